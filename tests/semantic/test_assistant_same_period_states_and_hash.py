"""A named period "vs last year" is the same period a year earlier ("q1 spend vs last year" is 2025-Q1 against
2024-Q1; "2025 spend vs last year" stays year against year); lower-case state codes that are also words read as
states in a list of codes or after "in" / "for" / "from" ("avg utilization for pa, oh and mi"), never alone as a
word; "#" written as a word is "number" ("avg # of txns per transacting cust ytd"). Each answer against an
independent pandas computation on the small test world."""

from __future__ import annotations

from datetime import date

import pytest
from assistant_world import AS_OF, approved, between, build_world, plain, profile, with_a_year_earlier

from c360_pipeline.semantic.assistant import ask

# the world's customers live in CA, NY, TX, FL, OR and IN; here FL, OR and IN are renamed to states whose
# lower-case codes are also words (pa, oh, mi), so a list of them has customers to answer from
RENAMED = {"FL": "PA", "OR": "OH", "IN": "MI"}


@pytest.fixture(scope="module")
def frames():
    out = build_world()
    out["CUSTOMER_360_PROFILE"]["STATE"] = out["CUSTOMER_360_PROFILE"]["STATE"].replace(RENAMED)
    return with_a_year_earlier(out)  # the same periods of 2024 with figures of their own


def periods(answer) -> dict[str, float]:
    assert not answer.refused, answer.interpretation
    assert answer.columns[0] == "PERIOD", answer.columns
    return {row[0]: float(plain(row[1])) for row in answer.rows}


def label(start: date, end: date) -> str:
    return f"{start.isoformat()} to {end.isoformat()}"


# --- 1. a named period "vs last year" ---------------------------------------------------------------------------
@pytest.mark.parametrize("question, this, last", [
    ("q1 spend vs last year", (date(2025, 1, 1), date(2025, 3, 31)), (date(2024, 1, 1), date(2024, 3, 31))),
    ("june spend vs ly", (date(2025, 6, 1), date(2025, 6, 30)), (date(2024, 6, 1), date(2024, 6, 30))),
    ("h1 spend vs the prior year", (date(2025, 1, 1), date(2025, 6, 30)), (date(2024, 1, 1), date(2024, 6, 30))),
    ("ytd spend vs the previous year", (date(2025, 1, 1), AS_OF), (date(2024, 1, 1), date(2024, 6, 30))),
    ("q1 txn count vs last year", (date(2025, 1, 1), date(2025, 3, 31)), (date(2024, 1, 1), date(2024, 3, 31))),
])
def test_a_named_period_vs_last_year_is_the_same_period_a_year_earlier(world, frames, question, this, last):
    t = approved(frames)
    count = "txn count" in question

    def figure(period):
        rows = between(t, *period)
        return float(len(rows)) if count else float(rows["TRANSACTION_AMOUNT"].sum())

    expected = {label(*this): figure(this), label(*last): figure(last)}
    assert all(expected.values()), expected
    got = periods(ask(question, world, as_of=AS_OF))
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key


def test_a_whole_year_vs_last_year_stays_year_against_year(world, frames):
    t = approved(frames)
    this, last = (date(2025, 1, 1), date(2025, 12, 31)), (date(2024, 1, 1), date(2024, 12, 31))
    # a whole calendar year is labelled by the year, as the year dimension is
    expected = {str(p[0].year): float(between(t, *p)["TRANSACTION_AMOUNT"].sum()) for p in (this, last)}
    got = periods(ask("2025 spend vs last year", world, as_of=AS_OF))
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key


# --- 2. lower-case state codes that are also words --------------------------------------------------------------
@pytest.mark.parametrize("question, states", [
    ("avg utilization for pa, oh and mi", ["PA", "OH", "MI"]),
    ("avg utilization for ca, oh and mi", ["CA", "OH", "MI"]),
    ("avg utilization for pa or oh", ["PA", "OH"]),
    ("avg utilization in pa", ["PA"]),
    ("avg utilization for mi", ["MI"]),
])
def test_lower_case_state_codes_in_a_list_or_after_a_preposition_are_states(world, frames, question, states):
    p = profile(frames)
    chosen = p[p["STATE"].isin(states)]
    assert len(chosen)
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    if len(answer.rows) == 1:
        assert float(plain(answer.rows[0][-1])) == pytest.approx(chosen["CREDIT_UTILIZATION_PCT"].mean())
    else:
        expected = chosen.groupby("STATE")["CREDIT_UTILIZATION_PCT"].mean()
        got = {row[0]: float(plain(row[-1])) for row in answer.rows}
        assert got.keys() == set(states)
        for state, value in expected.items():
            assert got[state] == pytest.approx(value), state


@pytest.mark.parametrize("question", [
    "oh, avg utilization for ca",   # an interjection at the start is not Ohio
    "avg utilization for me",       # the asker, not Maine
    "avg utilization in la",        # Los Angeles as often as Louisiana
])
def test_a_lower_case_code_that_is_a_word_is_not_a_state_on_its_own(world, question):
    answer = ask(question, world, as_of=AS_OF)
    assert "state is" not in (answer.interpretation or "") or "CA" in answer.interpretation, answer.interpretation
    assert not any(code in (answer.interpretation or "") for code in ("OH", "ME", "LA")), answer.interpretation


# --- 3. "#" written as a word ------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", [
    "avg # of txns per transacting cust ytd",
    "avg #txns per transacting cust ytd",
    "average number of txns per transacting customer ytd",
])
def test_hash_is_number_and_averages_over_the_transacting_customers(world, frames, question):
    t = between(approved(frames), date(2025, 1, 1), AS_OF)
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert len(answer.rows) == 1 and len(answer.rows[0]) == 1, answer.rows
    assert float(plain(answer.rows[0][0])) == pytest.approx(len(t) / t["CUSTOMER_ID"].nunique())


def test_hash_of_is_a_count(world, frames):
    t = between(approved(frames), date(2025, 1, 1), AS_OF)
    answer = ask("# of txns ytd", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert plain(answer.rows[0][0]) == plain(len(t))
