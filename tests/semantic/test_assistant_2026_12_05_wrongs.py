"""The general readings behind the 2026-12-05 blind set's wrong answers, each against an independent pandas
computation on the small test world: a "volume" after a transaction noun is their number; a figure per active
customer in a window divides by the customers with an approved transaction in that window."""

from __future__ import annotations

from datetime import date

import pytest
from assistant_world import AS_OF, approved, between, plain, profile

from c360_pipeline.semantic.assistant import ask

APRIL = (date(2025, 4, 1), date(2025, 4, 30))
MAY = (date(2025, 5, 1), date(2025, 5, 31))
JUNE = (date(2025, 6, 1), date(2025, 6, 30))
Q1 = (date(2025, 1, 1), date(2025, 3, 31))


def answered(answer) -> dict:
    assert not answer.refused, answer.interpretation
    return {(row[0] if len(row) > 1 else None): float(plain(row[-1])) for row in answer.rows}


def with_profile(frames, t):
    return t.merge(profile(frames)[["CUSTOMER_ID", "CARD_TYPE", "CUSTOMER_SEGMENT", "EMPLOYMENT_STATUS"]],
                   on="CUSTOMER_ID")


@pytest.mark.parametrize("question", ["april txn volume by channel", "transaction volume by channel in april"])
def test_a_volume_of_transactions_is_their_number(world, frames, question):
    t = between(approved(frames), *APRIL)
    expected = t.groupby("CHANNEL").size()
    got = answered(ask(question, world, as_of=AS_OF))
    assert got == pytest.approx({k: float(v) for k, v in expected.items()})


def test_a_spend_volume_stays_an_amount(world, frames):
    t = between(approved(frames), *APRIL)
    expected = t.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum()
    got = answered(ask("april spend volume by channel", world, as_of=AS_OF))
    assert got == pytest.approx(expected.to_dict())


@pytest.mark.parametrize("question, period, figure", [
    ("avg spend per active cust in may", MAY, "spend"),
    ("spend per transacting customer in may", MAY, "spend"),
    ("avg txns per active cust in june", JUNE, "count"),
])
def test_a_figure_per_active_customer_divides_by_the_window_s_transacting_customers(world, frames, question, period,
                                                                                     figure):
    t = between(approved(frames), *period)
    total = t["TRANSACTION_AMOUNT"].sum() if figure == "spend" else len(t)
    got = answered(ask(question, world, as_of=AS_OF))
    assert list(got.values()) == pytest.approx([total / t["CUSTOMER_ID"].nunique()])


def test_a_figure_per_active_customer_by_group_divides_by_each_group_s_transacting_customers(world, frames):
    t = with_profile(frames, between(approved(frames), *Q1)).groupby("CARD_TYPE")
    expected = (t["TRANSACTION_AMOUNT"].sum() / t["CUSTOMER_ID"].nunique()).sort_values(ascending=False)
    got = answered(ask("spend per active cust by card type in q1", world, as_of=AS_OF))
    assert list(got) == list(expected.index)
    assert list(got.values()) == pytest.approx(list(expected.values))


def test_a_figure_per_active_customer_with_a_kind_of_transaction_is_refused(world):
    assert ask("online spend per active cust in may", world, as_of=AS_OF).refused


def declined(frames):
    fact = frames["FCT_TRANSACTIONS"]
    out = fact[fact["STATUS"] == "declined"].copy()
    out["TRANSACTION_AMOUNT"] = out["TRANSACTION_AMOUNT"].astype(float)
    return out


@pytest.mark.parametrize("question", ["declined $ by channel last quarter", "declined $ amount by channel last quarter"])
def test_a_dollar_sign_without_a_number_is_an_amount(world, frames, question):
    expected = between(declined(frames), *Q1).groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum()
    got = answered(ask(question, world, as_of=AS_OF))
    assert got == pytest.approx(expected.to_dict())


def test_dollars_spent_are_the_spend(world, frames):
    t = between(approved(frames), *MAY)
    got = answered(ask("$ spent by channel in may", world, as_of=AS_OF))
    assert got == pytest.approx(t.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum().to_dict())


def test_a_dollar_sign_beside_a_number_stays_the_number(world, frames):
    t = between(approved(frames), *MAY)
    spend = t.groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum()
    answer = ask("custs who spent over $ 500 in may", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0] for row in answer.rows} == set(spend[spend > 500].index)


@pytest.mark.parametrize("question, column, group, function", [
    ("avg mom spend change per cust by segment", "MOM_SPEND_CHANGE_PCT", "CUSTOMER_SEGMENT", "mean"),
    ("avg credit limit per customer by card type", "CREDIT_LIMIT", "CARD_TYPE", "mean"),
    ("median credit limit per customer by segment", "CREDIT_LIMIT", "CUSTOMER_SEGMENT", "median"),
])
def test_a_customer_s_own_figure_per_customer_by_group_is_its_average_per_group(world, frames, question, column, group,
                                                                                function):
    p = profile(frames)
    expected = p.groupby(group)[column].agg(function).astype(float).sort_values(ascending=False)
    got = answered(ask(question, world, as_of=AS_OF))
    assert got == pytest.approx(expected.to_dict())


def test_a_customer_s_own_figure_per_customer_without_a_breakdown_is_its_average(world, frames):
    # each customer has one value, so "per customer" adds nothing: the average over the customers (it was a list of
    # each customer's own value, labelled an average)
    expected = float(profile(frames)["MOM_SPEND_CHANGE_PCT"].astype(float).mean())
    answer = answered(ask("avg mom spend change per cust", world, as_of=AS_OF))
    assert answer == {None: pytest.approx(expected)}


@pytest.mark.parametrize("question", ["online share of txn count by card type", "online share of transactions by card type"])
def test_a_value_s_share_of_a_count_by_group_is_its_fraction_within_each_group(world, frames, question):
    t = with_profile(frames, approved(frames))
    expected = t.groupby("CARD_TYPE")["CHANNEL"].apply(lambda s: (s == "Online").mean())
    got = answered(ask(question, world, as_of=AS_OF))
    assert got == pytest.approx(expected.to_dict())


def test_a_value_s_share_of_spend_by_group_is_its_fraction_of_each_group_s_spend(world, frames):
    t = with_profile(frames, between(approved(frames), *MAY))
    by = t.groupby("CUSTOMER_SEGMENT")
    expected = t[t["CHANNEL"] == "Mobile"].groupby("CUSTOMER_SEGMENT")["TRANSACTION_AMOUNT"].sum() \
        / by["TRANSACTION_AMOUNT"].sum()
    got = answered(ask("mobile share of spend by segment in may", world, as_of=AS_OF))
    assert got == pytest.approx(expected.fillna(0).to_dict())


def test_a_mix_of_customers_is_their_distribution_over_the_groups(world, frames):
    p = profile(frames)
    expected = p[p["IS_UPSELL_TARGET"]]["EMPLOYMENT_STATUS"].value_counts(normalize=True)
    got = answered(ask("employment mix of upsell targets", world, as_of=AS_OF))
    assert got == pytest.approx(expected.to_dict())
    assert sum(got.values()) == pytest.approx(1)


def test_a_spend_mix_is_each_group_s_fraction_of_the_spend(world, frames):
    t = approved(frames).merge(frames["DIM_MERCHANT_CATEGORY"][["MERCHANT_CATEGORY", "CATEGORY_GROUP"]],
                               on="MERCHANT_CATEGORY")
    t = t[t["CUSTOMER_ID"].isin(profile(frames).query("CARD_TYPE == 'Platinum'")["CUSTOMER_ID"])]
    expected = t.groupby("CATEGORY_GROUP")["TRANSACTION_AMOUNT"].sum() / t["TRANSACTION_AMOUNT"].sum()
    got = answered(ask("spend mix by category group for platinum cardholders", world, as_of=AS_OF))
    assert got == pytest.approx(expected.to_dict())


def test_a_transaction_mix_is_each_group_s_fraction_of_the_count(world, frames):
    t = between(approved(frames), *MAY)
    got = answered(ask("txn mix by channel in may", world, as_of=AS_OF))
    assert got == pytest.approx(t["CHANNEL"].value_counts(normalize=True).to_dict())


@pytest.mark.parametrize("question", ["avg ltv mix by segment", "spend mix", "customer mix by channel"])
def test_a_mix_of_another_figure_or_without_a_breakdown_is_refused(world, question):
    assert ask(question, world, as_of=AS_OF).refused


def test_a_figure_for_a_list_of_values_is_one_row_per_value(world, frames):
    p = profile(frames)
    states = list(p["STATE"].value_counts().index[:3])
    assert len(states) == 3
    question = f"avg credit limit for {states[0].lower()}, {states[1].lower()} and {states[2].lower()}"
    expected = p[p["STATE"].isin(states)].groupby("STATE")["CREDIT_LIMIT"].mean()
    got = answered(ask(question, world, as_of=AS_OF))
    assert got == pytest.approx(expected.to_dict())
    either = answered(ask(question.replace(" and ", " or "), world, as_of=AS_OF))
    assert list(either.values()) == pytest.approx([p[p["STATE"].isin(states)]["CREDIT_LIMIT"].mean()])


def test_customers_in_a_list_of_values_stay_a_list(world, frames):
    p = profile(frames)
    states = list(p["STATE"].value_counts().index[:3])
    answer = ask(f"customers in {states[0]}, {states[1]} and {states[2]}", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0] for row in answer.rows} == set(p[p["STATE"].isin(states)]["CUSTOMER_ID"])
