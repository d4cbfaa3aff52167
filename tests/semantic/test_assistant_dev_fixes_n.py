"""Customers said as whose transactions are meant ("... transactions from platinum cardholders", "... by gold
customers"), each answer against an independent pandas computation on the small test world: the phrase filters the
transactions by their customer's attribute; it does not turn the question into one about customers (their lifetime
transaction count, or a list of customers).
"""

from __future__ import annotations

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, build_world

from c360_pipeline.semantic.assistant import ask


@pytest.fixture(scope="module")
def frames():
    return build_world()


def _answered(question: str, world):
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    return answer


def _with_profile(fact: pd.DataFrame, frames) -> pd.DataFrame:
    return fact.merge(frames["CUSTOMER_360_PROFILE"][["CUSTOMER_ID", "CARD_TYPE", "AGE"]], on="CUSTOMER_ID")


@pytest.mark.parametrize("phrase", ["from {card} customers", "by {card} cardholders"])
def test_groups_with_more_than_n_transactions_from_customers_of_a_kind(world, frames, phrase):
    t = _with_profile(approved(frames), frames)
    card = t["CARD_TYPE"].value_counts().index[0]
    counts = t[t["CARD_TYPE"] == card].groupby("MERCHANT_CATEGORY").size()
    threshold = int(counts.median())
    expected = counts[counts > threshold]
    assert 0 < len(expected) < len(counts)
    question = f"merchant categories with more than {threshold} transactions " + phrase.format(card=card.lower())
    answer = _answered(question, world)
    assert {r[0]: int(r[-1]) for r in answer.rows} == expected.to_dict()


@pytest.mark.parametrize("phrase", ["from {card} customers", "by {card} customers"])
def test_transactions_over_an_amount_from_customers_of_a_kind_are_listed(world, frames, phrase):
    # was a list of customers whose lifetime transaction count is over the amount (none)
    fact = _with_profile(frames["FCT_TRANSACTIONS"], frames)
    card = fact["CARD_TYPE"].value_counts().index[0]
    mine = fact[fact["CARD_TYPE"] == card]
    amount = int(mine["TRANSACTION_AMOUNT"].astype(float).quantile(0.9))
    answer = _answered(f"list transactions over ${amount} " + phrase.format(card=card.lower()), world)
    wanted = mine[mine["TRANSACTION_AMOUNT"].astype(float) > amount]
    assert 0 < len(wanted) <= 100
    assert sorted(r[0] for r in answer.rows) == sorted(wanted["TRANSACTION_ID"])


def test_customers_after_from_still_carry_their_age(world, frames):
    t = _with_profile(approved(frames), frames)
    age = int(t["AGE"].median())
    expected = float(t.loc[t["AGE"] > age, "TRANSACTION_AMOUNT"].sum())
    assert float(_answered(f"total spend from customers over {age}", world).rows[0][-1]) == pytest.approx(expected)
