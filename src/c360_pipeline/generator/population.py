"""Customers of a world: per-customer behaviour parameters, demographics and card/credit-limit history.

Everything is drawn vectorised from NumPy generators seeded from the world's seed, so the same
population can be rebuilt at any time (continuation does not need to store it)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from c360_pipeline.catalog import CARD_TYPES, EMPLOYMENT_STATUSES, SEGMENTS
from c360_pipeline.generator import reference as ref

# event kinds: how a customer's activity changes at some point in time
EVENT_NONE, EVENT_GRADUAL, EVENT_PARTIAL, EVENT_SUDDEN, EVENT_RECOVER = 0, 1, 2, 3, 4
DECLINE_TYPES = ("", "gradual", "sudden")

# Calibration constants (see bench/check_churn_signal.py for how they were checked).
NEW_GROWING_SHARE = 0.13             # initial customers who opened their account in the last ~5 months
STYLE_SHARE = np.array([0.200, 0.538, 0.262])  # travel, mid, budget among the other customers
BASE_RATE = np.array([0.75, 0.42, 0.36])        # one-off purchases per day by style, before calibration
RATE_CALIBRATION = 1.115
MONTHLY_SPEND = np.array([9500.0, 2600.0, 760.0])  # median approved spend per month by style
MONTHLY_SPEND_SIGMA = np.array([0.22, 0.33, 0.28])
EVENT_PROBABILITY = 0.92             # share of customers with a decline event in the event window
EVENT_WINDOW = (-700, 730)           # event onsets are uniform in as_of + this window (days)
EVENT_KIND_PROBABILITY = np.array([0.40, 0.28, 0.12, 0.20])  # gradual, partial, sudden, recover
CHANGE_RATE_PER_DAY = 0.00055        # card / credit-limit changes per customer per day
APPROVAL_RATE = 0.95


@dataclass
class Population:
    """Struct of arrays, one entry per customer, ordered by customer number."""

    number: np.ndarray          # int64, 1-based: CUST00000001
    style: np.ndarray           # int8 spending style (reference.STYLE_*)
    open_day: np.ndarray        # int64 date ordinal of account opening
    growing: np.ndarray         # bool: new-account ramp of a New & Growing customer
    rate: np.ndarray            # float64 transactions per day at full activity
    ticket_scale: np.ndarray    # float64 multiplier on category mean tickets
    cum_full: np.ndarray        # (n, 50) cumulative category probabilities (float32 to keep big worlds small)
    top_idx: np.ndarray         # (n, 3) the customer's three main categories
    cum_top: np.ndarray         # (n, 3) cumulative probabilities among them
    mean_full: np.ndarray       # expected ticket (before ticket_scale) under the full mix
    travel_full: np.ndarray     # travel part of mean_full
    necessity_full: np.ndarray  # necessities part of mean_full
    mean_top: np.ndarray
    travel_top: np.ndarray
    necessity_top: np.ndarray
    has_bill: np.ndarray        # (n, 6) bool: pays reference.RECURRING[j] by card every month
    bill_amount: np.ndarray     # (n, 6) dollars
    bill_day: np.ndarray        # (n, 6) day of the month it is charged (1-28)
    bill_start: np.ndarray      # day ordinal from which bills are charged
    bill_stop: np.ndarray       # (n, 6) day ordinal from which a bill is no longer charged (inf: never)
    event_kind: np.ndarray      # int8 EVENT_*
    event_start: np.ndarray     # float64 date ordinal the decline starts
    event_length: np.ndarray    # days from start to the floor
    event_floor: np.ndarray     # activity level reached (0 = dormant)
    recover_length: np.ndarray  # days to climb back (EVENT_RECOVER)
    recover_level: np.ndarray
    first_name: np.ndarray      # object
    last_name: np.ndarray
    email: np.ndarray
    city: np.ndarray
    age: np.ndarray             # int64
    state: np.ndarray           # int64 index into reference.STATE_CODES
    employment: np.ndarray      # int64 index into catalog.EMPLOYMENT_STATUSES
    card: np.ndarray            # int64 card type index at opening
    credit_limit: np.ndarray    # int64 dollars at opening
    archetype: np.ndarray       # int64 index into catalog.SEGMENTS (truth column)
    decline_type: np.ndarray    # int64 index into DECLINE_TYPES (truth column)

    def __len__(self) -> int:
        return len(self.number)

    def take(self, index: np.ndarray | slice) -> "Population":
        return Population(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list["Population"]) -> "Population":
        return Population(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Population)})


@dataclass
class Versions:
    """Customer record versions: one row per customer per card / credit-limit state."""

    customer: np.ndarray    # int64 index into the population
    updated_at: np.ndarray  # int64 seconds since 1970-01-01
    card: np.ndarray
    credit_limit: np.ndarray

    @staticmethod
    def concat(parts: list["Versions"]) -> "Versions":
        return Versions(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Versions)))


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def seconds_of(day_ordinal: np.ndarray, second_of_day: np.ndarray) -> np.ndarray:
    return (np.asarray(day_ordinal, dtype=np.int64) - EPOCH_ORDINAL) * 86_400 + second_of_day


def draw_customers(
    rng: np.random.Generator,
    first_number: int,
    count: int,
    as_of: int,
    pools: ref.NamePools,
    opened_on: int | None = None,
) -> Population:
    """`count` customers numbered from `first_number`; initial world when `opened_on` is None,
    otherwise accounts opened on that day (continuation: all New & Growing)."""
    n = count
    number = np.arange(first_number, first_number + n, dtype=np.int64)
    if opened_on is None:
        growing = rng.random(n) < NEW_GROWING_SHARE
        style = rng.choice(3, size=n, p=STYLE_SHARE).astype(np.int8)
        old = rng.random(n) < 0.62
        open_day = np.where(
            old,
            as_of - rng.integers(700, 12 * 365, n),
            as_of - rng.integers(200, 700, n),
        )
        open_day = np.where(growing, as_of - rng.integers(7, 166, n), open_day)
        event_from = as_of + EVENT_WINDOW[0]
    else:
        growing = np.ones(n, dtype=bool)
        open_day = np.full(n, opened_on, dtype=np.int64)
        style = np.zeros(n, dtype=np.int8)
        event_from = opened_on + 90
    # New & Growing customers are mid spenders or budget: a travel-style newcomer would rank as High-Value first.
    style = np.where(growing, np.where(rng.random(n) < 0.62, ref.STYLE_MID, ref.STYLE_BUDGET), style).astype(np.int8)
    open_day = open_day.astype(np.int64)

    rate = BASE_RATE[style] * RATE_CALIBRATION * rng.lognormal(0.0, 0.3, n)
    weights = ref.style_category_weights()[style] * rng.gamma(2.0, 0.5, (n, ref.N_CATEGORIES))
    weights /= weights.sum(axis=1, keepdims=True)
    cum_full = np.cumsum(weights, axis=1).astype(np.float32)
    cum_full[:, -1] = 1.0
    top_idx = np.argsort(-weights, axis=1, kind="stable")[:, :3].astype(np.int16)
    top_w = np.take_along_axis(weights, top_idx.astype(np.int64), axis=1)
    top_w /= top_w.sum(axis=1, keepdims=True)
    cum_top = np.cumsum(top_w, axis=1)
    cum_top[:, -1] = 1.0
    mean_ticket = ref.MEAN_TICKET
    mean_full = weights @ mean_ticket
    travel_full = weights @ (mean_ticket * ref.IS_TRAVEL)
    necessity_full = weights @ (mean_ticket * ref.IS_NECESSITY)
    top_mean = mean_ticket[top_idx]
    mean_top = (top_w * top_mean).sum(axis=1)
    travel_top = (top_w * top_mean * ref.IS_TRAVEL[top_idx]).sum(axis=1)
    necessity_top = (top_w * top_mean * ref.IS_NECESSITY[top_idx]).sum(axis=1)
    monthly = MONTHLY_SPEND[style] * rng.lognormal(0.0, 1.0, n) ** MONTHLY_SPEND_SIGMA[style]
    recurring = ref.RECURRING_SHARE[style] * monthly
    ticket_scale = (monthly - recurring) / (30.44 * rate * APPROVAL_RATE * mean_full)
    has_bill = rng.random((n, ref.MAX_BILLS)) < ref.RECURRING_PROBABILITY
    has_bill[:, 1] |= ~has_bill.any(axis=1)  # everyone pays at least the phone bill
    bill_weight = has_bill * ref.RECURRING_WEIGHT * rng.lognormal(0.0, 0.3, (n, ref.MAX_BILLS))
    bill_amount = np.round(recurring[:, None] * bill_weight / bill_weight.sum(axis=1, keepdims=True), 2)
    bill_day = rng.integers(1, 29, (n, ref.MAX_BILLS))
    bill_start = open_day + rng.integers(0, 31, n)

    has_event = rng.random(n) < EVENT_PROBABILITY
    event_start = event_from + rng.random(n) * (EVENT_WINDOW[1] - EVENT_WINDOW[0])
    has_event &= event_start >= open_day + 90
    kind = rng.choice(np.arange(1, 5), size=n, p=EVENT_KIND_PROBABILITY)
    event_kind = np.where(has_event, kind, EVENT_NONE).astype(np.int8)
    event_length = rng.uniform(60, 170, n)
    event_floor = np.select(
        [event_kind == EVENT_PARTIAL, event_kind == EVENT_RECOVER], [rng.uniform(0.15, 0.5, n), rng.uniform(0.35, 0.65, n)], 0.0
    )
    # bills leave the card during a decline (a partial decliner moves each with probability 1 - floor)
    bill_leaves = rng.uniform(0.2, 1.0, (n, ref.MAX_BILLS))
    moved = rng.random((n, ref.MAX_BILLS)) >= event_floor[:, None]
    bill_stop = np.select(
        [
            (event_kind == EVENT_GRADUAL)[:, None] | ((event_kind == EVENT_PARTIAL)[:, None] & moved),
            (event_kind == EVENT_SUDDEN)[:, None],
        ],
        [event_start[:, None] + bill_leaves * event_length[:, None], np.broadcast_to(event_start[:, None], (n, ref.MAX_BILLS))],
        np.inf,
    )
    recover_length = rng.uniform(45, 120, n)
    recover_level = rng.uniform(0.85, 1.0, n)

    first_name = np.array(pools.first_names, dtype=object)[rng.integers(0, len(pools.first_names), n)]
    last_name = np.array(pools.last_names, dtype=object)[rng.integers(0, len(pools.last_names), n)]
    email = _emails(rng, first_name, last_name, pools)
    city = np.array(pools.cities, dtype=object)[rng.integers(0, len(pools.cities), n)]
    age = np.clip(np.rint(np.where(growing, rng.normal(36, 12, n), rng.normal(47, 15, n))), 18, 85).astype(np.int64)
    state = rng.choice(len(ref.STATE_CODES), size=n, p=ref.STATE_PROBABILITY).astype(np.int64)
    employment = _employment(rng, age)
    card_p = np.array([[0, 0, 0.55, 0.45], [0.45, 0.35, 0.14, 0.06], [0.78, 0.22, 0, 0]])
    card = (rng.random(n)[:, None] > np.cumsum(card_p[style], axis=1)[:, :3]).sum(axis=1).astype(np.int64)
    low, high = ref.CREDIT_LIMIT_RANGE[card, 0], ref.CREDIT_LIMIT_RANGE[card, 1]
    credit_limit = low + 500 * rng.integers(0, (high - low) // 500 + 1)
    # an issuer sizes the limit to the spending it sees: at least 1.2 months of it, within the card's range
    credit_limit = np.minimum(np.maximum(credit_limit, np.rint(1.2 * monthly / 500).astype(np.int64) * 500), high)
    return Population(
        number=number, style=style, open_day=open_day, growing=growing, rate=rate, ticket_scale=ticket_scale,
        cum_full=cum_full, top_idx=top_idx, cum_top=cum_top, mean_full=mean_full, travel_full=travel_full,
        necessity_full=necessity_full, mean_top=mean_top, travel_top=travel_top, necessity_top=necessity_top,
        has_bill=has_bill, bill_amount=bill_amount, bill_day=bill_day, bill_start=bill_start, bill_stop=bill_stop,
        event_kind=event_kind, event_start=event_start, event_length=event_length, event_floor=event_floor,
        recover_length=recover_length, recover_level=recover_level, first_name=first_name, last_name=last_name,
        email=email, city=city, age=age, state=state, employment=employment, card=card, credit_limit=credit_limit,
        archetype=np.full(n, SEGMENTS.index("New & Growing"), dtype=np.int64),
        decline_type=np.zeros(n, dtype=np.int64),
    )


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray, pools: ref.NamePools) -> np.ndarray:
    n = len(first)
    pattern = rng.integers(0, 4, n)
    digits = np.where(rng.random(n) < 0.45, rng.integers(1, 100, n), -1)
    work = rng.random(n) < 0.1
    domain = np.where(
        work,
        np.array(pools.work_domains, dtype=object)[rng.integers(0, len(pools.work_domains), n)],
        np.array(ref.EMAIL_DOMAINS, dtype=object)[rng.choice(len(ref.EMAIL_DOMAINS), size=n, p=ref.EMAIL_DOMAIN_PROBABILITY)],
    )
    out = []
    for f, l, p, d, dom in zip(first, last, pattern, digits, domain):
        f, l = _slug(f), _slug(l)
        local = (f"{f}.{l}", f"{f}{l}", f"{f[:1]}{l}", f"{f}_{l}")[p]
        out.append(f"{local}{d if d >= 0 else ''}@{dom}")
    return np.array(out, dtype=object)


def _employment(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    idx = {name: i for i, name in enumerate(EMPLOYMENT_STATUSES)}
    u = rng.random(len(age))
    working = np.select(
        [u < 0.76, u < 0.91, u < 0.97], [idx["Employed"], idx["Self-Employed"], idx["Unemployed"]], idx["Retired"]
    )
    student = np.where(rng.random(len(age)) < 0.55, idx["Student"], working)
    retired = np.where(rng.random(len(age)) < 0.72, idx["Retired"], working)
    return np.select([age < 25, age >= 65], [student, retired], working).astype(np.int64)


def apply_change(
    rng: np.random.Generator, card: np.ndarray, limit: np.ndarray, style: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One card / credit-limit change per row: upgrade, downgrade, limit increase or decrease.
    High-value (travel-style) customers move only between Premium and Platinum; budget ones up to Gold."""
    n = len(card)
    kind = rng.choice(4, size=n, p=[0.45, 0.25, 0.15, 0.15])  # limit up, upgrade, limit down, downgrade
    top = np.where(style == ref.STYLE_TRAVEL, 3, np.where(style == ref.STYLE_BUDGET, 1, 3))
    bottom = np.where(style == ref.STYLE_TRAVEL, 2, 0)
    kind = np.where((kind == 1) & (card >= top), 0, kind)
    kind = np.where((kind == 3) & (card <= bottom), 2, kind)
    kind = np.where((kind == 2) & (limit <= 1_000), 0, kind)
    up = rng.uniform(1.1, 1.5, n)
    down = rng.uniform(0.6, 0.9, n)
    new_card = card + (kind == 1) - (kind == 3)
    raised = np.maximum(np.rint(limit * up / 500) * 500, limit + 500).astype(np.int64)
    lowered = np.maximum(np.minimum(np.rint(limit * down / 500) * 500, limit - 500), 500).astype(np.int64)
    new_low = ref.CREDIT_LIMIT_RANGE[new_card, 0]
    new_high = ref.CREDIT_LIMIT_RANGE[new_card, 1]
    new_limit = np.select(
        [kind == 0, kind == 1, kind == 2],
        [raised, np.maximum(raised, new_low), lowered],
        np.minimum(lowered, new_high),
    )
    return new_card.astype(np.int64), new_limit.astype(np.int64)


def initial_versions(rng: np.random.Generator, pop: Population, first_day: int, as_of: int) -> tuple[Versions, np.ndarray, np.ndarray]:
    """Opening record for every customer plus ~20% with 1-3 changes inside [first_day, as_of].
    Returns the versions (ordered by customer, then time) and the card / limit current at as_of."""
    n = len(pop)
    opened = Versions(
        customer=np.arange(n, dtype=np.int64),
        # the opening record starts at midnight, so every transaction of the opening day falls inside it
        updated_at=seconds_of(pop.open_day, np.zeros(n, dtype=np.int64)),
        card=pop.card.copy(),
        credit_limit=pop.credit_limit.copy(),
    )
    window_start = np.maximum(pop.open_day + 30, first_day)
    eligible = window_start <= as_of - 30
    changes = np.where(
        eligible & (rng.random(n) < 0.2), rng.choice([1, 2, 3], size=n, p=[0.55, 0.3, 0.15]), 0
    )
    span = np.maximum(as_of - window_start + 1, 1)
    # change moments as seconds after window_start's midnight, strictly increasing per customer
    moments = np.sort(rng.integers(0, span[:, None] * 86_400 - 3, (n, 3)), axis=1) + np.arange(3)
    card, limit = pop.card.copy(), pop.credit_limit.copy()
    parts = [opened]
    for k in range(3):
        who = np.flatnonzero(changes > k)
        new_card, new_limit = apply_change(rng, card[who], limit[who], pop.style[who])
        card[who], limit[who] = new_card, new_limit
        parts.append(
            Versions(
                customer=who,
                updated_at=seconds_of(window_start[who], moments[who, k]),
                card=new_card,
                credit_limit=new_limit,
            )
        )
    versions = Versions.concat(parts)
    order = np.lexsort((versions.updated_at, versions.customer))
    versions = Versions(*(getattr(versions, f.name)[order] for f in fields(Versions)))
    return versions, card, limit


assert CARD_TYPES == ("Standard", "Gold", "Premium", "Platinum")
