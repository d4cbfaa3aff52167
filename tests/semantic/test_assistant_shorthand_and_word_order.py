"""A note's shorthands ("no. of", "w/"), a dropped final e, a year written before what it dates ("2025 spend", "2024
cohorts"), "no purchase at all", a value's class said with it ("the high risk bucket"), the rows of a share named
first ("of all declines ytd, what share ...") or after "their", an age after a value spelled with its noun ("premium
cardholders are over 55"), "X vs non X" and "ticket" as a transaction's amount: each answer against an independent
pandas computation on the small test world."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, plain, profile

from c360_pipeline.semantic.assistant import ask
from c360_pipeline.semantic.engine import QuestionNotUnderstood, parse_question
from c360_pipeline.semantic.normalise import normalise
from c360_pipeline.semantic.timeranges import find_time_expressions
from c360_pipeline.semantic.vocabulary import tokenize

Q1 = (date(2025, 1, 1), date(2025, 3, 31))
Q2 = (date(2025, 4, 1), date(2025, 6, 30))
YTD = (date(2025, 1, 1), AS_OF)
YEAR_2025 = (date(2025, 1, 1), date(2025, 12, 31))
YEAR_2024 = (date(2024, 1, 1), date(2024, 12, 31))
TRAVEL = ("Airlines", "Hotels")


def figure(answer) -> object:
    assert not answer.refused, answer.interpretation
    assert len(answer.rows) == 1 and len(answer.rows[0]) == 1, (answer.interpretation, answer.rows)
    return plain(answer.rows[0][0])


def customers_of(frames, mask) -> set[str]:
    p = profile(frames)
    return set(p[mask(p)]["CUSTOMER_ID"])


def amount(rows: pd.DataFrame) -> object:
    return plain(rows["TRANSACTION_AMOUNT"].astype(float).sum())


# --- a note's shorthands ---------------------------------------------------------------------------------------

def test_a_note_s_shorthands_are_written_out_and_a_bare_no_stays_a_negation():
    assert normalise("no. of custs w/ gold cards") == "number of custs with gold cards"
    assert normalise("No.of customers w/o transactions") == "number of customers without transactions"
    assert normalise("customers with no purchases") == "customers with no purchases"


def test_the_number_of_customers_with_a_card_in_a_state(world, frames):
    p = profile(frames)
    expected = int(((p["CARD_TYPE"] == "Gold") & (p["STATE"] == "NY")).sum())
    assert expected > 0
    assert figure(ask("no. of custs w/ gold cards in new york", world)) == plain(expected)


# --- a silent final e left off ---------------------------------------------------------------------------------

def test_a_word_without_its_final_e_is_read_as_the_word_and_said(world, frames):
    fact = between(frames["FCT_TRANSACTIONS"], *Q1)
    mobile = fact[fact["CHANNEL"] == "Mobile"]
    answer = ask("declin rate for mobile in q1", world)
    assert figure(answer) == plain((mobile["STATUS"] == "declined").mean())
    assert "Read 'declin' as 'decline'" in answer.interpretation
