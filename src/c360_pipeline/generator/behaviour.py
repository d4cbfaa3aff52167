"""Customer behaviour over time: what each customer buys, day by day, and the segment each customer is
built to show at as_of (the archetype truth column).

Spending has two parts. Recurring bills (utilities, phone, insurance, streaming, gym, childcare) are
charged on a fixed day of every month for a fixed amount. One-off purchases arrive at a per-customer
daily rate (more regular than Poisson), in categories drawn from the customer's own mix, with
lognormal tickets; each calendar month they are scaled towards the customer's budget for travel,
necessities and the rest (people keep to a budget), so a steady customer's 90-day spend moves little
and the segment rules and churn labels respond to behaviour, not to noise.

Activity a(t) in [0, 1] carries the churn story: 1 for a steady customer; a decline event is preceded
by a disengagement phase (activity slips by LEAD_DROP over the LEAD_SHARE x length days before it,
except for sudden churners) and then lowers it (concave: most of the fall comes first) over 60-170 days
to a floor: 0 for churners (gradual, or
sudden with no warning), 0.15-0.5 for customers who move most of their spending elsewhere, 0.35-0.65
followed by a climb back for those who recover. Lower activity means fewer visits (rate x a^0.6),
smaller baskets (ticket x a^0.4), fewer categories (a growing share of visits goes to the three main
ones) and bills leaving the card one by one, so a decline shows in recency, frequency, monetary value
and breadth weeks before the customer goes quiet. Customers on their way out (not a temporary dip) also
strain their card first: more of their purchases are declined over the disengagement phase and the
decline (card_strain), a warning that shows before their spend falls. Event onsets are spread uniformly over time, so
every cut-off date has churners; those whose decline is under way at as_of are the Declining archetype.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from c360_pipeline.catalog import CARD_TYPES, PREMIUM_CARD_TYPES, SEGMENTS
from c360_pipeline.generator import reference as ref
from c360_pipeline.generator.population import (
    APPROVAL_RATE,
    EVENT_GRADUAL,
    EVENT_NONE,
    EVENT_PARTIAL,
    EVENT_RECOVER,
    EVENT_SUDDEN,
    Population,
)

RATE_EXPONENT = 0.6      # share of a decline expressed as fewer visits (the rest is smaller baskets)
FOCUS = 0.85             # how strongly a declining customer narrows to the three main categories
DECLINE_SHAPE = 0.6      # exponent of the decline curve (1 = linear)
MONTH_NOISE = 0.08       # month-to-month variation of a customer's budget (lognormal sigma)
LEAD_SHARE = 0.6         # disengagement before a (non-sudden) decline event, as a share of its length
LEAD_DROP = 0.3          # activity lost during that disengagement
STRESS_DECLINE = 0.3     # extra chance that a purchase is declined when the card is under full strain
SUDDEN_STRESS_DAYS = 45  # days of rising declines before a sudden churner leaves
STRESS_FADE_DAYS = 60    # days over which the strain fades once a decline has reached its floor


@dataclass
class Transactions:
    """Transaction records as numbers (formatted to text only when written)."""

    number: np.ndarray    # int64 transaction number (TXN + 12 digits); assigned when the batch is laid out
    customer: np.ndarray  # int64 customer number
    day: np.ndarray       # int64 date ordinal
    second: np.ndarray    # int64 second of the day
    category: np.ndarray  # int64 catalog index
    merchant: np.ndarray  # int64 index into the merchant pool
    cents: np.ndarray     # int64 amount in cents
    channel: np.ndarray   # int64 index into the channel pool (0-2 valid)
    status: np.ndarray    # int64 index into the status pool (0 approved, 1 declined)
    defect: np.ndarray    # int8 formatting defect code (0 none; see dirt.py)

    def __len__(self) -> int:
        return len(self.number)

    def take(self, index: np.ndarray) -> "Transactions":
        return Transactions(*(getattr(self, name)[index] for name in self.__dataclass_fields__))

    @staticmethod
    def concat(parts: list["Transactions"]) -> "Transactions":
        return Transactions(*(np.concatenate([getattr(p, name) for p in parts]) for name in Transactions.__dataclass_fields__))


def _activity_rows(pop: Population, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """(len(rows), D) activity level in [0, 1] of the given customers on the given day ordinals."""
    x = days[None, :] - pop.event_start[rows, None]
    kind = pop.event_kind[rows, None]
    length = pop.event_length[rows, None]
    floor = pop.event_floor[rows, None]
    # Disengagement first: over LEAD_SHARE x length days before the event the customer already slips
    # to 1 - LEAD_DROP (fewer visits, smaller baskets), the warning a churn model can learn from.
    lead = LEAD_SHARE * length
    start = 1.0 - LEAD_DROP * np.clip((x + lead) / lead, 0.0, 1.0)
    # concave: most of the fall happens early, so a decline shows before the customer goes quiet
    a = start - (start - floor) * np.clip(x / length, 0.0, 1.0) ** DECLINE_SHAPE
    recovering = (kind == EVENT_RECOVER) & (x > length)
    if recovering.any():
        climbed = floor + (pop.recover_level[rows, None] - floor) * np.clip((x - length) / pop.recover_length[rows, None], 0.0, 1.0)
        a = np.where(recovering, climbed, a)
    return np.where(kind == EVENT_SUDDEN, (x < 0).astype(np.float64), a)


def card_strain(pop: Population, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Per transaction (customer row, day ordinal), in [0, 1]: how strained the customer's card is.

    Customers on their way out (gradual, partial and sudden decliners, not a temporary dip) run into
    their limit or let payments slip first: the strain rises over the disengagement phase (the last
    SUDDEN_STRESS_DAYS for a sudden churner), holds through the decline and fades once the floor is
    reached, and each unit of it adds STRESS_DECLINE to the chance a purchase is declined.
    """
    kind = pop.event_kind[rows]
    x = days - pop.event_start[rows]
    length = pop.event_length[rows]
    lead = np.where(kind == EVENT_SUDDEN, float(SUDDEN_STRESS_DAYS), LEAD_SHARE * length)
    rising = np.clip((x + lead) / lead, 0.0, 1.0)
    fading = 1.0 - np.clip((x - length) / STRESS_FADE_DAYS, 0.0, 1.0)
    leaving = np.isin(kind, [EVENT_GRADUAL, EVENT_PARTIAL, EVENT_SUDDEN])
    return np.where(leaving, rising * fading, 0.0)


@lru_cache(maxsize=8)
def _day_factor_cached(first: int, last: int) -> np.ndarray:
    days = range(first, last + 1)
    weekday = ref.WEEKDAY_FACTOR[(np.arange(first, last + 1) - 1) % 7]
    holiday = np.array([1.15 if (d.month == 11 and d.day >= 20) or (d.month == 12 and d.day <= 24) else 1.0
                        for d in map(date.fromordinal, days)])
    return weekday * holiday


def _day_factor(days: np.ndarray) -> np.ndarray:
    """Weekly rhythm and a holiday-season lift (Nov 20 - Dec 24), per day of consecutive ordinals."""
    return _day_factor_cached(int(days[0]), int(days[-1]))


@dataclass
class Profile:
    """Per customer-day behaviour on consecutive days: activity, expected visits and basket factor."""

    activity: np.ndarray   # (n, D) in [0, 1]
    visits: np.ndarray     # (n, D) expected one-off purchases
    basket: np.ndarray     # (n, D) multiplier on ticket size (activity ** (1 - RATE_EXPONENT))
    declining: np.ndarray  # rows whose activity is below 1 somewhere in the days


def profile(pop: Population, days: np.ndarray) -> Profile:
    """Expected behaviour of `pop` on consecutive `days`; only customers with a decline event or a young
    account get per-day corrections (most rows are rate x day factor)."""
    n = len(pop)
    visits = np.outer(pop.rate, _day_factor(days))
    act = np.ones((n, len(days)))
    basket = np.ones((n, len(days)))
    declining = np.flatnonzero((pop.event_kind != EVENT_NONE) & (pop.event_start - LEAD_SHARE * pop.event_length < days[-1]))
    if len(declining):
        a = _activity_rows(pop, declining, days)
        act[declining] = a
        visits[declining] *= a**RATE_EXPONENT
        basket[declining] = a ** (1.0 - RATE_EXPONENT)
    young = np.flatnonzero(pop.open_day > days[0] - 400)  # the new-account ramp has faded after 400 days
    if len(young):
        age = (days[None, :] - pop.open_day[young, None]).astype(np.float64)
        ramp = np.where(pop.growing[young, None], 1.0 - 0.7 * np.exp(-np.maximum(age, 0) / 50.0),
                        1.0 - 0.5 * np.exp(-np.maximum(age, 0) / 40.0))
        visits[young] *= np.where(age >= 0, ramp, 0.0)
    return Profile(act, visits, basket, declining)


def _sample_rows(cumulative: np.ndarray, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF sampling with a different distribution per row: search the row-offset CDFs at once."""
    width = cumulative.shape[1]
    flat = (cumulative.astype(np.float64) + np.arange(len(cumulative))[:, None]).ravel()
    pick = np.searchsorted(flat, row + u, side="right") - row * width
    return np.clip(pick, 0, width - 1)


def _month_starts(first_day: int, last_day: int) -> np.ndarray:
    """Ordinals of the first day of every month overlapping [first_day, last_day]."""
    d = date.fromordinal(first_day).replace(day=1)
    out = []
    while d.toordinal() <= last_day:
        out.append(d.toordinal())
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return np.array(out, dtype=np.int64)


def bill_charges(pop: Population, first_day: int, last_day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recurring bills charged in [first_day, last_day]: (customer row, bill slot, day ordinal)."""
    starts = _month_starts(first_day, last_day)
    day = starts[None, None, :] + pop.bill_day[:, :, None] - 1
    live = (
        pop.has_bill[:, :, None]
        & (day >= first_day) & (day <= last_day)
        & (day >= pop.bill_start[:, None, None])
        & (day < pop.bill_stop[:, :, None])
    )
    row, slot, month = np.nonzero(live)
    return row, slot, day[row, slot, month]


def draw_transactions(pop: Population, days: np.ndarray, rng: np.random.Generator) -> Transactions:
    """Clean transactions of `pop` on consecutive `days` (ordinals): one-off purchases plus recurring
    bills, ordered by customer then day."""
    days = np.asarray(days, dtype=np.int64)
    behaviour = profile(pop, days)
    # Customers keep to a monthly budget: each calendar month's one-off purchases are scaled towards the
    # month's expected spend (the more purchases, the closer), separately for travel, necessities and
    # the rest, so a steady customer's 90-day spend and mix stay steady and only a real change in
    # behaviour moves them. The expected spend per month comes first, so the day matrices can go early.
    month = np.array([date.fromordinal(int(d)).month for d in days])
    changed = np.r_[True, month[1:] != month[:-1]]
    starts, month_index = np.flatnonzero(changed), np.cumsum(changed) - 1
    volume = behaviour.visits * behaviour.basket * pop.ticket_scale[:, None]
    monthly = np.add.reduceat(volume, starts, axis=1)
    focused_monthly = np.zeros_like(monthly)
    if len(behaviour.declining):
        rows = behaviour.declining
        focused_monthly[rows] = np.add.reduceat(volume[rows] * (FOCUS * (1.0 - behaviour.activity[rows])), starts, axis=1)
    del volume
    # visits are more regular than Poisson: at most one more than the whole part of the day's rate
    whole = np.floor(behaviour.visits)
    counts = (whole + (rng.random(whole.shape) < behaviour.visits - whole)).astype(np.int64)
    del whole
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    del counts
    m = len(cell)
    row, col = np.divmod(cell, len(days))
    a = behaviour.activity.ravel()[cell]
    basket = behaviour.basket.ravel()[cell]
    del behaviour, cell
    focused = rng.random(m) < FOCUS * (1.0 - a)
    any_category = _sample_rows(pop.cum_full, row, rng.random(m))
    main_category = pop.top_idx[row, _sample_rows(pop.cum_top, row, rng.random(m))]
    category = np.where(focused, main_category, any_category).astype(np.int64)
    del focused, any_category, main_category
    sigma = ref.TICKET_SIGMA[category]
    amount = ref.MEAN_TICKET[category] * pop.ticket_scale[row] * basket * np.exp(sigma * rng.standard_normal(m) - sigma**2 / 2)
    del sigma, basket
    other_full = pop.mean_full - pop.travel_full - pop.necessity_full
    other_top = pop.mean_top - pop.travel_top - pop.necessity_top
    noise = rng.lognormal(0.0, MONTH_NOISE, monthly.shape)
    budget = np.stack(
        [(monthly * full[:, None] + focused_monthly * (top - full)[:, None]) * noise
         for full, top in ((pop.travel_full, pop.travel_top), (pop.necessity_full, pop.necessity_top), (other_full, other_top))],
        axis=2,
    ).ravel()
    part = np.where(ref.IS_TRAVEL[category], 0, np.where(ref.IS_NECESSITY[category], 1, 2))
    key = (row * len(starts) + month_index[col]) * 3 + part
    spent = np.bincount(key, amount, minlength=budget.size)
    purchases = np.bincount(key, minlength=budget.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(spent > 0, np.clip((budget / spent) ** (purchases / (purchases + 3.0)), 0.4, 2.5), 1.0)
    amount = amount * factor[key]
    hour = np.minimum(np.searchsorted(np.cumsum(ref.HOUR_PROBABILITY), rng.random(m), side="right"), 23)
    second = hour * 3600 + rng.integers(0, 3600, m)
    day = days[col]
    bill_row, slot, bill_day = bill_charges(pop, int(days[0]), int(days[-1]))
    b = len(bill_row)
    utilities = slot == 0  # the power bill moves with the weather; the others are fixed
    bill_amount = pop.bill_amount[bill_row, slot] * np.where(utilities, rng.lognormal(0.0, 0.08, b), 1.0)
    row = np.concatenate([row, bill_row])
    day = np.concatenate([day, bill_day])
    order = np.argsort(row * (int(days[-1]) - int(days[0]) + 1) + (day - days[0]), kind="stable")
    row, day = row[order], day[order]
    category = np.concatenate([category, ref.RECURRING_CATEGORY[slot]])[order]
    amount = np.concatenate([amount, bill_amount])[order]
    second = np.concatenate([second, rng.integers(0, 6 * 3600, b)])[order]
    recurring = np.concatenate([np.zeros(m, dtype=bool), np.ones(b, dtype=bool)])[order]
    m += b
    cents = np.maximum(np.rint(amount * 100), 50).astype(np.int64)
    k = ref.MERCHANTS_PER_CATEGORY
    customer = pop.number[row]
    favourite = (customer * 2_654_435_761 + category * 40_503) % k
    merchant = category * k + np.where(recurring | (rng.random(m) < 0.55), favourite, rng.integers(0, k, m))
    u = rng.random(m)
    channel = (u >= ref.CHANNEL_CUMULATIVE[category, 0]).astype(np.int64) + (u >= ref.CHANNEL_CUMULATIVE[category, 1])
    strain = STRESS_DECLINE * card_strain(pop, row, day)
    declined = rng.random(m) < np.where(recurring, 0.025, np.where(cents > 40_000, 0.07, 0.049)) + strain
    return Transactions(
        number=np.zeros(m, dtype=np.int64), customer=customer, day=day, second=second.astype(np.int64),
        category=category, merchant=merchant.astype(np.int64), cents=cents, channel=channel.astype(np.int64),
        status=declined.astype(np.int64), defect=np.zeros(m, dtype=np.int8),
    )


def expected_spend(pop: Population, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected approved spend over consecutive `days` per customer: total, travel part, necessities part."""
    behaviour = profile(pop, days)
    spend = behaviour.visits * pop.ticket_scale[:, None] * behaviour.basket * APPROVAL_RATE
    focus = FOCUS * (1.0 - behaviour.activity)

    def mix(full: np.ndarray, top: np.ndarray) -> np.ndarray:
        return (spend * ((1.0 - focus) * full[:, None] + focus * top[:, None])).sum(axis=1)

    row, slot, _ = bill_charges(pop, int(days[0]), int(days[-1]))
    bills = pop.bill_amount[row, slot] * 0.975
    necessity = ref.IS_NECESSITY[ref.RECURRING_CATEGORY[slot]]
    total = mix(pop.mean_full, pop.mean_top) + np.bincount(row, bills, minlength=len(pop))
    needs = mix(pop.necessity_full, pop.necessity_top) + np.bincount(row, bills * necessity, minlength=len(pop))
    return total, mix(pop.travel_full, pop.travel_top), needs


def tenure_months(open_day: np.ndarray, as_of: int) -> np.ndarray:
    """Whole months from account opening to as_of."""
    end = date.fromordinal(as_of)
    out = np.empty(len(open_day), dtype=np.int64)
    for i, o in enumerate(open_day.tolist()):
        d = date.fromordinal(o)
        out[i] = (end.year - d.year) * 12 + end.month - d.month - (1 if end.day < d.day else 0)
    return out


def expected_segments(pop: Population, card_at_as_of: np.ndarray, as_of: int, chunk: int = 5000) -> np.ndarray:
    """The segment each customer is built to show at as_of (index into catalog.SEGMENTS), by the segment
    rules applied to expected spend: the archetype truth column."""
    premium = np.isin(card_at_as_of, [CARD_TYPES.index(c) for c in PREMIUM_CARD_TYPES])
    last = np.arange(as_of - 89, as_of + 1)
    prior = np.arange(as_of - 179, as_of - 89)
    out = np.empty(len(pop), dtype=np.int64)
    tenure = tenure_months(pop.open_day, as_of)
    for start in range(0, len(pop), chunk):
        part = pop.take(slice(start, start + chunk))
        spend, travel, necessity = expected_spend(part, last)
        before, _, _ = expected_spend(part, prior)
        monthly = spend / 3
        with np.errstate(divide="ignore", invalid="ignore"):
            travel_share = np.where(spend > 0, travel / spend, 0.0)
            necessity_share = np.where(spend > 0, necessity / spend, 0.0)
            change = np.where(before > 0, (spend - before) / before, np.where(spend > 0, np.inf, 0.0))
        sl = slice(start, start + chunk)
        segment = np.select(
            [
                premium[sl] & (monthly >= 5000) & (travel_share >= 0.25),
                (before > 0) & (change <= -0.30),
                (tenure[sl] < 6) & (change >= 0.50),
                (monthly < 1500) & (necessity_share >= 0.60),
            ],
            [0, 1, 2, 3],
            4,
        )
        out[sl] = segment
    assert SEGMENTS[0] == "High-Value Travelers" and SEGMENTS[4] == "Stable Mid-Spenders"
    return out
