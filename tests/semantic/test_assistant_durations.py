"""A number said with a unit of time is a duration in that unit: "tenure over 5 years" is more than 60 months on book,
"tenure between 1 and 3 years" 12 to 36 months, "more than 2 years tenure" above 24 months; "inactive for more than 60
days" is 61 days or more since the last approved transaction (customers who never transacted included) and "inactive
for at least 45 days" 45 or more; a day of a month is that day ("jan 15", "march 3rd", "the 15th of may", "jan 1,
2025"; without a year the last such day up to the data's date), and a count before a month stays a count ("top 3 june
spenders"); calendar periods named in the plural as the rows asked for are kept by a figure ("months in 2024 with
spend over 2.3m", "days with more than 500 transactions"). Each answer against an independent pandas computation on the small test world."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, figure, ids_of, plain, profile

from c360_pipeline.semantic.assistant import ask


@pytest.mark.parametrize("question, keep", [
    ("customers with tenure over 5 years", lambda m: m > 60),
    ("customers with more than 2 years tenure", lambda m: m > 24),
    ("list customers with tenure between 1 and 3 years", lambda m: (m >= 12) & (m <= 36)),
    ("customers with tenure under 18 months", lambda m: m < 18),
])
def test_tenure_with_a_unit_is_compared_in_months(world, frames, question, keep):
    p = profile(frames)
    answer = ask(question, world, as_of=AS_OF)
    assert ids_of(answer) == set(p[keep(p["TENURE_MONTHS"])]["CUSTOMER_ID"])


def test_a_profile_figure_over_a_tenure_in_years(world, frames):
    p = profile(frames)
    answer = ask("avg ltv of customers with more than 2 years tenure", world, as_of=AS_OF)
    assert figure(answer) == plain(p[p["TENURE_MONTHS"] > 24]["LIFETIME_VALUE"].mean())


@pytest.mark.parametrize("question, days", [("how many customers inactive for more than 21 days", 22),
                                            ("how many customers inactive for at least 21 days", 21),
                                            ("how many customers inactive for 20 days", 20)])
def test_inactive_for_more_than_n_days(world, frames, question, days):
    p = profile(frames)
    since = p["DAYS_SINCE_LAST_TRANSACTION"].astype("float")
    answer = ask(question, world, as_of=AS_OF)
    assert figure(answer) == plain(int(((since >= days) | since.isna()).sum()))


# --- a day of a month ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question, start, end", [
    ("spend between jan 15 and feb 15 2025", date(2025, 1, 15), date(2025, 2, 15)),
    ("spend from march 1 to march 15", date(2025, 3, 1), date(2025, 3, 15)),
    ("total spend on march 3rd", date(2025, 3, 3), date(2025, 3, 3)),
    ("spend on jan 1, 2025", date(2025, 1, 1), date(2025, 1, 1)),
    ("spend since the 15th of may", date(2025, 5, 15), AS_OF),
    ("spend on dec 24", date(2024, 12, 24), date(2024, 12, 24)),  # no year: the last such day up to the data's date
])
def test_a_day_of_a_month_is_that_day(world, frames, question, start, end):
    rows = between(approved(frames), start, end)
    answer = ask(question, world, as_of=AS_OF)
    assert figure(answer) == plain(float(rows["TRANSACTION_AMOUNT"].sum()) if len(rows) else None)


def test_a_count_before_a_month_stays_a_count(world, frames):
    answer = ask("top 3 june spenders", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert len(answer.rows) == 3
    t = between(approved(frames), date(2025, 6, 1), date(2025, 6, 30))
    best = t.groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum().astype(float).sort_values(ascending=False)
    assert [row[0] for row in answer.rows] == list(best.index[:3])


# --- calendar periods named as the rows asked for ----------------------------------------------------------------------
def test_months_with_spend_over_a_number_are_the_months_kept(world, frames):
    t = between(approved(frames), date(2025, 1, 1), date(2025, 6, 30))
    monthly = t.groupby(pd.to_datetime(t["TRANSACTION_DATE"]).dt.strftime("%Y-%m"))["TRANSACTION_AMOUNT"].sum().astype(float)
    cut = float(monthly.median())
    answer = ask(f"months in h1 2025 with spend over {cut:.2f}", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0]: plain(row[-1]) for row in answer.rows} == {k: plain(v) for k, v in monthly[monthly > cut].items()}


def test_days_with_more_than_n_transactions(world, frames):
    t = between(approved(frames), date(2025, 6, 1), date(2025, 6, 30))
    daily = t.groupby(pd.to_datetime(t["TRANSACTION_DATE"]).dt.date).size()
    cut = int(daily.median())
    answer = ask(f"days with more than {cut} transactions in june", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0]: plain(row[-1]) for row in answer.rows} == {k: plain(int(v)) for k, v in daily[daily > cut].items()}
