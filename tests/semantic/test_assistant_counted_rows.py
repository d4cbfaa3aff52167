"""An aggregation of the transactions' amount that the question spells itself ("avg online txn amount", "sum of
transaction amounts") counts the rows the model's own amount metrics count (approved transactions), unless the
question filters the status itself ("total amount of declined transactions"): each answer against an independent
pandas computation on the small test world."""

from __future__ import annotations

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, assert_same, grouped, plain

from c360_pipeline.semantic.assistant import ask


def every(frames) -> pd.DataFrame:
    fact = frames["FCT_TRANSACTIONS"].copy()
    fact["TRANSACTION_AMOUNT"] = fact["TRANSACTION_AMOUNT"].astype(float)
    return fact


def with_card(fact: pd.DataFrame, frames) -> pd.DataFrame:
    return fact.merge(frames["CUSTOMER_360_PROFILE"][["CUSTOMER_ID", "CARD_TYPE"]], on="CUSTOMER_ID")


def test_the_world_has_declined_amounts_to_leave_out(frames):
    assert (frames["FCT_TRANSACTIONS"]["STATUS"] == "declined").sum() > 0


@pytest.mark.parametrize("question", ["avg online txn amount by card type", "average online transaction amount by card type"])
def test_an_average_amount_of_a_kind_of_transaction_counts_approved_ones(world, frames, question):
    t = with_card(approved(frames), frames)
    t = t[t["CHANNEL"] == "Online"]
    expected = grouped(t, ["CARD_TYPE"], "AVERAGE_TRANSACTION_AMOUNT", t.groupby("CARD_TYPE")["TRANSACTION_AMOUNT"].mean())
    answer = ask(question, world, as_of=AS_OF)
    assert_same(answer, expected)
    everything = with_card(every(frames), frames)
    everything = everything[everything["CHANNEL"] == "Online"].groupby("CARD_TYPE")["TRANSACTION_AMOUNT"].mean()
    assert not (expected.set_index("CARD_TYPE")["AVERAGE_TRANSACTION_AMOUNT"] - everything).abs().lt(1e-9).all()
    assert "approved" in answer.interpretation


def test_a_sum_of_amounts_by_channel_counts_approved_ones(world, frames):
    t = approved(frames)
    expected = grouped(t, ["CHANNEL"], "TOTAL_TRANSACTION_AMOUNT", t.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum())
    assert_same(ask("sum of transaction amounts by channel", world, as_of=AS_OF), expected)


def test_a_question_about_declined_amounts_counts_the_declined_ones(world, frames):
    fact = every(frames)
    expected = fact.loc[fact["STATUS"] == "declined", "TRANSACTION_AMOUNT"].sum()
    answer = ask("total amount of declined transactions", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert float(plain(answer.rows[0][-1])) == pytest.approx(expected)


# --- "how much": an amount of money, never a count ------------------------------------------------------------

def test_how_much_was_declined_is_the_declined_amount_not_a_count(world, frames):
    fact = every(frames)
    online = fact[(fact["STATUS"] == "declined") & (fact["CHANNEL"] == "Online")]
    for question in ("how much was declined online", "how much did we decline online"):
        answer = ask(question, world, as_of=AS_OF)
        assert not answer.refused, answer.interpretation
        assert float(plain(answer.rows[0][-1])) == pytest.approx(online["TRANSACTION_AMOUNT"].sum()), (question, answer.interpretation)


def test_how_much_by_a_transaction_attribute_is_spend(world, frames):
    t = approved(frames)
    expected = grouped(t, ["CHANNEL"], "TOTAL_SPEND", t.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum())
    assert_same(ask("how much was spent by channel", world, as_of=AS_OF), expected)
    assert_same(ask("how much by channel", world, as_of=AS_OF), expected)
