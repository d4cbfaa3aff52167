"""Fixes read off the DEV half of the 2026-12-08 blind set, each answer against an independent pandas computation on
the small test world:

- a share of a kind of transaction spelled with their noun ("what share of approved txns in 2024 were under $20",
  "percentage of approved txns in 2024 came through online"): those transactions are the rows, what follows is
  counted among them, and a period between the rows and the counted part ("share of declined transactions in 2024
  that were online") changes neither.
"""

from __future__ import annotations

from datetime import date

import pytest
from assistant_world import AS_OF, approved, between, figure, plain

from c360_pipeline.semantic.assistant import ask

Y2024 = (date(2024, 1, 1), date(2024, 12, 31))


def _fact(frames):
    fact = frames["FCT_TRANSACTIONS"].copy()
    fact["TRANSACTION_AMOUNT"] = fact["TRANSACTION_AMOUNT"].astype(float)
    return fact


# --- shares of a kind of transaction ---------------------------------------------------------------------------
@pytest.mark.parametrize("question, counted", [
    ("what share of approved txns in 2024 were under $20", lambda t: t["TRANSACTION_AMOUNT"] < 20),
    ("what fraction of approved purchases in 2024 were below $20", lambda t: t["TRANSACTION_AMOUNT"] < 20),
    ("what share of transactions in 2024 were under $20", lambda t: t["TRANSACTION_AMOUNT"] < 20),
    ("What percentage of approved txns in 2024 came through online", lambda t: t["CHANNEL"] == "Online"),
    ("what proportion of approved txns in 2024 were made online", lambda t: t["CHANNEL"] == "Online"),
])
def test_a_share_of_approved_transactions(world, frames, question, counted):
    rows = between(approved(frames), *Y2024)
    answer = ask(question, world, as_of=AS_OF)
    assert figure(answer) == plain(counted(rows).sum() / len(rows))


@pytest.mark.parametrize("question", ["share of declined transactions in 2024 that were online",
                                      "what share of declined transactions in 2024 were online"])
def test_a_share_of_declined_transactions_with_a_period_between(world, frames, question):
    fact = _fact(frames)
    rows = between(fact[fact["STATUS"] == "declined"], *Y2024)
    answer = ask(question, world, as_of=AS_OF)
    assert figure(answer) == plain((rows["CHANNEL"] == "Online").sum() / len(rows))


def test_a_share_of_online_purchases_that_were_declined(world, frames):
    fact = _fact(frames)
    rows = between(fact[fact["CHANNEL"] == "Online"], *Y2024)
    answer = ask("share of online purchases in 2024 that were declined", world, as_of=AS_OF)
    assert figure(answer) == plain((rows["STATUS"] == "declined").sum() / len(rows))
