"""Hours of the day, weekday short forms, a rolling window written before its figure and periods said twice.

"what hour of the day gets the most approved transactions" ranks the hours (0..23) of the transaction timestamp;
"before 5am" is hours 0..4, "after 10pm" 22..23, "between 9am and 5pm" 9..16; "fri vs sat spend" is one row per
weekday; "last 60 days spend" is the spend of the 60 days up to the data's date; "yoy change in january spend (jan
2025 vs jan 2024)" and "spend mom change, may vs april" read the pair as the change's own two periods. Each answer against an independent pandas computation on the small test
world."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, figure, plain, profile

from c360_pipeline.semantic.assistant import ask


def _hours(fact: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(fact["TRANSACTION_DATE"]).dt.hour


def test_the_hour_with_the_most_approved_transactions(world, frames):
    counts = approved(frames).groupby(_hours(approved(frames))).size()
    answer = ask("what hour of the day gets the most approved transactions", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert len(answer.rows) == 1
    assert plain(answer.rows[0][0]) == plain(int(counts.idxmax())) and plain(answer.rows[0][1]) == plain(int(counts.max()))


def test_spend_by_hour_of_day(world, frames):
    fact = approved(frames)
    expected = fact.groupby(_hours(fact))["TRANSACTION_AMOUNT"].sum()
    answer = ask("spend by hour of day", world, as_of=AS_OF)
    assert {int(row[0]): plain(row[1]) for row in answer.rows} == {int(h): plain(v) for h, v in expected.items()}


@pytest.mark.parametrize("question, keep", [
    ("how many approved txns in may happened before 5am", lambda h: h < 5),
    ("how many approved txns in may happened before 10am", lambda h: h < 10),
    ("how many transactions in may after 10pm", lambda h: h >= 22),
    ("number of transactions in may between 9am and 5pm", lambda h: (h >= 9) & (h < 17)),
    ("how many transactions in may before noon", lambda h: h < 12),
    ("how many transactions in may at 3pm", lambda h: h == 15),
])
def test_clock_times_are_hours_of_the_day(world, frames, question, keep):
    may = between(approved(frames), date(2025, 5, 1), date(2025, 5, 31))
    answer = ask(question, world, as_of=AS_OF)
    assert figure(answer) == plain(int(keep(_hours(may)).sum()))


def test_minutes_are_refused(world):
    assert ask("spend before 5:30am", world, as_of=AS_OF).refused


@pytest.mark.parametrize("question, days", [
    ("Fri vs Sat spend in q2", ("Friday", "Saturday")),
    ("spend on wed vs thu in q2", ("Wednesday", "Thursday")),
    ("q2 spend on sun vs mon", ("Sunday", "Monday")),
])
def test_weekday_short_forms(world, frames, question, days):
    fact = between(approved(frames), date(2025, 4, 1), date(2025, 6, 30))
    names = fact.merge(frames["DIM_DATE"][["DATE_KEY", "DAY_NAME"]], on="DATE_KEY")
    expected = names[names["DAY_NAME"].isin(days)].groupby("DAY_NAME")["TRANSACTION_AMOUNT"].sum()
    answer = ask(question, world, as_of=AS_OF)
    assert {row[0]: plain(row[1]) for row in answer.rows} == {d: plain(v) for d, v in expected.items()}


@pytest.mark.parametrize("question, days", [
    ("last 60 days spend for Gold cardholders", 60),
    ("past 30 days spend for gold cardholders", 30),
    ("gold cardholders' last 45 day spend", 45),
])
def test_a_rolling_window_before_the_figure(world, frames, question, days):
    gold = set(profile(frames).query("CARD_TYPE == 'Gold'")["CUSTOMER_ID"])
    fact = between(approved(frames), AS_OF - timedelta(days=days - 1), AS_OF)
    answer = ask(question, world, as_of=AS_OF)
    assert figure(answer) == plain(float(fact[fact["CUSTOMER_ID"].isin(gold)]["TRANSACTION_AMOUNT"].sum()))


def _spend(frames, start: date, end: date) -> float:
    return float(between(approved(frames), start, end)["TRANSACTION_AMOUNT"].sum())


@pytest.mark.parametrize("question", ["yoy change in january spend (jan 2025 vs jan 2024)",
                                      "spend yoy growth, jan 2025 vs jan 2024"])
def test_a_pair_restating_a_yoy_change(world, frames, question):
    now, before = _spend(frames, date(2025, 1, 1), date(2025, 1, 31)), _spend(frames, date(2024, 1, 1), date(2024, 1, 31))
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    # the test world starts in November 2024: January 2024 has no spend, so the change is undefined
    assert before == 0 and "2024-01-01 to 2024-01-31" in answer.interpretation
    assert plain(answer.rows[0][0]) == plain(now) and plain(answer.rows[0][-1]) is None


def test_a_pair_restating_a_mom_change(world, frames):
    now, before = _spend(frames, date(2025, 5, 1), date(2025, 5, 31)), _spend(frames, date(2025, 4, 1), date(2025, 4, 30))
    answer = ask("spend mom change, may vs april", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert plain(answer.rows[-1][-1]) == plain(now / before - 1)


def test_a_pair_that_is_not_the_change_stays_two_periods(world):
    assert ask("yoy change in june spend (may vs april)", world, as_of=AS_OF).refused
