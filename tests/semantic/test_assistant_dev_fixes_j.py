"""Period spellings read off the DEV half of the 2026-12-11 blind set, each answer against an independent pandas
computation on the small test world (with a copy of its 2025 transactions a year earlier):

- "the prior year", "the preceding quarter": the calendar period before this one, as "last year" is;
- "the first quarter of this year", "march this year": that quarter or month in the as-of date's year;
- "Mar '25": a two-digit year after an apostrophe is that year of this century; "2024-Q2" is Q2 2024;
- "how are we doing on approval rate …": the figure asked about.
"""

from __future__ import annotations

from datetime import date

import pytest
from assistant_world import AS_OF, approved, between, build_world, profile, with_a_year_earlier

from c360_pipeline.semantic.assistant import ask


@pytest.fixture(scope="module")
def frames():
    return with_a_year_earlier(build_world())


def test_prior_year_is_last_calendar_year(world, frames):
    t = between(approved(frames), date(2024, 1, 1), date(2024, 12, 31))
    t = t[t["MERCHANT_CATEGORY"] == "Airlines"].merge(profile(frames)[["CUSTOMER_ID", "STATE"]])
    expected = t.groupby("STATE")["TRANSACTION_AMOUNT"].sum().sort_values(ascending=False).head(5)
    answer = ask("prior year airlines spend by state, top five", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert [r[0] for r in answer.rows] == list(expected.index)
    assert [float(r[-1]) for r in answer.rows] == pytest.approx(list(expected))


def test_preceding_quarter(world, frames):
    expected = len(between(approved(frames), date(2025, 1, 1), date(2025, 3, 31)))
    answer = ask("transactions in the preceding quarter", world, as_of=AS_OF)
    assert answer.rows[0][-1] == expected


def test_months_with_a_short_year(world, frames):
    t = approved(frames)
    march_25 = between(t, date(2025, 3, 1), date(2025, 3, 31))["TRANSACTION_AMOUNT"].sum()
    march_24 = between(t, date(2024, 3, 1), date(2024, 3, 31))["TRANSACTION_AMOUNT"].sum()
    assert march_24 > 0
    answer = ask("spend in Mar '25 vs Mar '24", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert sorted(float(r[-1]) for r in answer.rows) == pytest.approx(sorted([march_25, march_24]))


def test_year_dash_quarter(world, frames):
    t = between(approved(frames), date(2024, 4, 1), date(2024, 6, 30))
    expected = t.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum().to_dict()
    assert expected
    answer = ask("Spend in 2024-Q2 by channel", world, as_of=AS_OF)
    assert {r[0]: float(r[-1]) for r in answer.rows} == pytest.approx(expected)


def test_first_quarter_of_this_year(world, frames):
    fact = frames["FCT_TRANSACTIONS"]
    declined = between(fact[fact["STATUS"] == "declined"], date(2025, 1, 1), date(2025, 3, 31))
    answer = ask("declined amount in the first quarter of this year", world, as_of=AS_OF)
    assert float(answer.rows[0][-1]) == pytest.approx(float(declined["TRANSACTION_AMOUNT"].sum()))


def test_month_this_year(world, frames):
    expected = between(approved(frames), date(2025, 3, 1), date(2025, 3, 31))["TRANSACTION_AMOUNT"].sum()
    answer = ask("spend in march this year", world, as_of=AS_OF)
    assert float(answer.rows[0][-1]) == pytest.approx(expected)


def test_how_are_we_doing_on_a_rate_this_year_vs_the_prior_year(world, frames):
    fact = frames["FCT_TRANSACTIONS"]

    def rate(start: date, end: date) -> float:
        rows = between(fact, start, end)
        return float((rows["STATUS"] == "approved").mean())

    answer = ask("how are we doing on approval rate this year vs the prior year", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert answer.columns[-1] == "APPROVAL_RATE"
    assert sorted(float(r[-1]) for r in answer.rows) == pytest.approx(
        sorted([rate(date(2025, 1, 1), AS_OF), rate(date(2024, 1, 1), date(2024, 12, 31))]))
