"""Fixes read off the DEV half of the 2026-12-09 blind set, each answer against an independent pandas computation on
the small test world:

- a change between two named calendar periods of one kind ("change in spend from q1 to q2", "spend growth q1 to
  q2", "% change in txn count april vs may", "decline rate change from q1 to q2"): the figure in the earlier and the
  later period and the later's change from the earlier, one row, whichever order the periods are said in ("change
  in spend" alone stays the profile's 90-day change); a period running past the data's end is refused;
- two bare years set against each other ("spend 2024 vs 2025") are periods, and a whole year's row is labelled by the
  year; "jan through jun 2025" is the range; "2025 ytd" / "ytd 2024" that year to the data's day of the year;
- "by <a value of the customers>" ("spend by platinum cardholders", "airlines spend by High-Value Travelers") names
  whose transactions, not a ranking;
- two phrases of one metric side by side are one mention ("pct of all txn attempts that were declined" was the
  count of attempts);
- "the biggest single purchase" is the biggest purchase;
- "<figure> share by <group>" ("spend share by channel", "customer share by segment") is each group's share;
- a per-customer figure qualified by which customers count ("…, only counting customers who transacted that year",
  "… excluding customers with no transactions") is the figure per transacting customer;
- ("mom % change in txn count, may 2025 vs april 2025" stays the month-over-month change, May's row against April.)
- "avg ytd travel spend per customer who bought travel ytd" (the 2026-12-08 set): the customers after "per" named by
  the kind of transaction the figure is over are those with such a transaction in the window; another kind refused.
- "mom spend growth for each month of 2025" (the 2026-12-08 set): "spend growth" with the month-over-month said apart
  is the total spend's change, each month against the one before.
"""

from __future__ import annotations

from datetime import date

import pytest
from assistant_world import AS_OF, approved, between, figure, plain, profile

from c360_pipeline.semantic.assistant import ask

Q1, Q2 = (date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30))
APRIL, MAY = (date(2025, 4, 1), date(2025, 4, 30)), (date(2025, 5, 1), date(2025, 5, 31))


def _fact(frames):
    fact = frames["FCT_TRANSACTIONS"].copy()
    fact["TRANSACTION_AMOUNT"] = fact["TRANSACTION_AMOUNT"].astype(float)
    return fact


def _row(answer):
    assert not answer.refused, answer.interpretation
    assert len(answer.rows) == 1, (answer.interpretation, answer.rows)
    return [float(v) for v in answer.rows[0]]


# --- a change between two periods ---------------------------------------------------------------------------------
def _spend(frames, period):
    return between(approved(frames), *period)["TRANSACTION_AMOUNT"].sum()


def _count(frames, period):
    return len(between(approved(frames), *period))


def _decline_rate(frames, period):
    rows = between(_fact(frames), *period)
    return (rows["STATUS"] == "declined").mean()


@pytest.mark.parametrize("question, figure_of, earlier, later", [
    ("change in spend from q1 to q2", _spend, Q1, Q2),
    ("spend growth q1 to q2", _spend, Q1, Q2),
    ("how did spend change from q1 to q2", _spend, Q1, Q2),
    ("q2 vs q1 spend change", _spend, Q1, Q2),
    ("% change in txn count, may 2025 vs april 2025", _count, APRIL, MAY),
    ("change in txn count from april to may", _count, APRIL, MAY),
    ("decline rate change from q1 to q2", _decline_rate, Q1, Q2),
])
def test_a_change_between_two_named_periods(world, frames, question, figure_of, earlier, later):
    before, after = figure_of(frames, earlier), figure_of(frames, later)
    got = _row(ask(question, world, as_of=AS_OF))
    assert got == pytest.approx([before, after, after / before - 1])


def test_a_change_with_a_period_past_the_data_is_refused(world):
    answer = ask("spend growth 2024 to 2025", world, as_of=AS_OF)
    assert answer.refused and "data's end" in answer.interpretation


def test_change_in_spend_alone_is_still_the_profile_change(world, frames):
    answer = ask("average change in spend", world, as_of=AS_OF)
    assert float(figure(answer)) == pytest.approx(profile(frames)["SPEND_CHANGE_PCT"].mean())


# --- bare years, ranges and years to date ---------------------------------------------------------------------------
def test_two_bare_years_are_periods_labelled_by_the_year(world, frames):
    t = approved(frames)
    expected = {str(y): t[t["DATE_KEY"] // 10000 == y]["TRANSACTION_AMOUNT"].sum() for y in (2024, 2025)}
    answer = ask("spend 2024 vs 2025", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {r[0]: float(r[1]) for r in answer.rows} == pytest.approx(expected)


def test_a_month_range_without_from(world, frames):
    t = between(approved(frames), date(2025, 1, 1), date(2025, 6, 30))
    answer = ask("monthly txn count for jan through jun 2025", world, as_of=AS_OF)
    months = t["DATE_KEY"].map(lambda k: f"{k // 10000}-{k // 100 % 100:02d}")
    assert {r[0]: r[1] for r in answer.rows} == {m: int(c) for m, c in months.value_counts().items()}


@pytest.mark.parametrize("question, period", [
    ("spend ytd 2025", (date(2025, 1, 1), date(2025, 6, 30))),
    ("2025 ytd spend", (date(2025, 1, 1), date(2025, 6, 30))),
])
def test_a_year_to_date_with_its_year(world, frames, question, period):
    assert float(figure(ask(question, world, as_of=AS_OF))) == pytest.approx(_spend(frames, period))


def test_spend_share_by_channel_ytd(world, frames):
    t = between(approved(frames), date(2025, 1, 1), date(2025, 6, 30))
    shares = t.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum() / t["TRANSACTION_AMOUNT"].sum()
    answer = ask("spend share by channel 2025 YTD", world, as_of=AS_OF)
    assert {r[0]: float(r[1]) for r in answer.rows} == pytest.approx(shares.to_dict())


@pytest.mark.parametrize("question, column", [("customer share by segment", "CUSTOMER_SEGMENT"),
                                              ("customers share by state", "STATE")])
def test_customer_share_by_group(world, frames, question, column):
    shares = profile(frames)[column].value_counts(normalize=True)
    answer = ask(question, world, as_of=AS_OF)
    assert {r[0]: float(r[1]) for r in answer.rows} == pytest.approx(shares.to_dict())


# --- whose transactions -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question, column, value, category", [
    ("spend by platinum cardholders", "CARD_TYPE", "Platinum", None),
    ("total Airlines spend by High-Value Travelers", "CUSTOMER_SEGMENT", "High-Value Travelers", "Airlines"),
])
def test_spend_by_customers_of_a_value(world, frames, question, column, value, category):
    p = profile(frames)
    t = approved(frames)
    t = t[t["CUSTOMER_ID"].isin(p[p[column] == value]["CUSTOMER_ID"])]
    if category:
        t = t[t["MERCHANT_CATEGORY"] == category]
    assert float(figure(ask(question, world, as_of=AS_OF))) == pytest.approx(t["TRANSACTION_AMOUNT"].sum())


def test_ranked_by_a_value_still_counts_it(world, frames):
    p = profile(frames)
    counts = p[p["CHURN_RISK_CATEGORY"] == "High Risk"].groupby("STATE").size().sort_values(ascending=False)
    answer = ask("top 3 states by high risk customers", world, as_of=AS_OF)
    assert [r[1] for r in answer.rows] == [int(v) for v in counts.iloc[:3]]


# --- one metric said twice; "single"; who counts per customer ---------------------------------------------------
def test_all_attempts_is_one_mention(world, frames):
    fact = _fact(frames)
    answer = ask("pct of all txn attempts that were declined", world, as_of=AS_OF)
    assert float(figure(answer)) == pytest.approx((fact["STATUS"] == "declined").mean())


def test_the_biggest_single_purchase(world, frames):
    answer = ask("biggest single txn amount ever", world, as_of=AS_OF)
    assert float(figure(answer)) == pytest.approx(approved(frames)["TRANSACTION_AMOUNT"].max())


@pytest.mark.parametrize("question, period, of", [
    ("avg number of txns per customer in may, only counting customers who transacted that month", MAY, "count"),
    ("avg spend per customer in april excluding customers with no transactions", APRIL, "spend"),
    ("avg spend per customer in may among customers who had a transaction", MAY, "spend"),
])
def test_per_customer_over_those_who_transacted(world, frames, question, period, of):
    rows = between(approved(frames), *period)
    total = len(rows) if of == "count" else rows["TRANSACTION_AMOUNT"].sum()
    answer = ask(question, world, as_of=AS_OF)
    assert float(figure(answer)) == pytest.approx(total / rows["CUSTOMER_ID"].nunique())
    assert plain(rows["CUSTOMER_ID"].nunique()) < len(profile(frames))  # the divisor is not every customer


# --- per customer who bought the same kind ----------------------------------------------------------------------------
@pytest.mark.parametrize("question, period, column, values", [
    ("avg ytd hotels spend per customer who bought hotels ytd", (date(2025, 1, 1), date(2025, 6, 30)),
     "MERCHANT_CATEGORY", ("Hotels",)),
    ("avg online spend in q1 per customer who bought online in q1", Q1, "CHANNEL", ("Online",)),
    ("avg travel spend per customer who bought travel ytd", (date(2025, 1, 1), date(2025, 6, 30)),
     "MERCHANT_CATEGORY", ("Airlines", "Hotels")),
])
def test_per_customer_who_bought_the_same_kind(world, frames, question, period, column, values):
    rows = between(approved(frames), *period)
    rows = rows[rows[column].isin(values)]
    answer = ask(question, world, as_of=AS_OF)
    assert float(figure(answer)) == pytest.approx(rows["TRANSACTION_AMOUNT"].sum() / rows["CUSTOMER_ID"].nunique())


@pytest.mark.parametrize("question", ["avg spend per customer who bought travel in q1",
                                      "travel spend in q1 per customer who bought travel in q2"])
def test_per_customer_who_bought_another_kind_or_period_is_refused(world, question):
    assert ask(question, world, as_of=AS_OF).refused


def test_mom_spend_growth_is_the_total_spend_s_change(world, frames):
    t = between(approved(frames), date(2025, 1, 1), date(2025, 6, 30))
    monthly = t.groupby(t["DATE_KEY"] // 100)["TRANSACTION_AMOUNT"].sum()
    december = between(approved(frames), date(2024, 12, 1), date(2024, 12, 31))["TRANSACTION_AMOUNT"].sum()
    previous = [december] + list(monthly.values[:-1])
    answer = ask("mom spend growth for each month of 2025", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert [float(r[-1]) for r in answer.rows] == pytest.approx([m / p - 1 for m, p in zip(monthly.values, previous)])


def test_per_customer_who_bought_the_same_kind_without_a_window(world, frames):
    rows = approved(frames)
    rows = rows[rows["CHANNEL"] == "Online"]
    answer = ask("avg online spend per customer who shopped online", world, as_of=AS_OF)
    assert float(figure(answer)) == pytest.approx(rows["TRANSACTION_AMOUNT"].sum() / rows["CUSTOMER_ID"].nunique())
