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


# --- read off the DEV half of the 2026-12-12 blind set ---------------------------------------------------------------

def _profile(frames) -> pd.DataFrame:
    people = frames["CUSTOMER_360_PROFILE"].copy()
    for column in ("LIFETIME_VALUE", "CREDIT_UTILIZATION_PCT", "SPEND_CHANGE_PCT"):
        people[column] = people[column].astype(float)
    return people


def test_a_risk_tier_is_the_churn_risk_category_not_the_card_tier(world, frames):
    # "tier" alone is the card type's; after the churn risk category's phrase it is that phrase's noun
    people = _profile(frames)
    expected = people.groupby(people["CHURN_RISK_CATEGORY"].fillna("(none)"))["TENURE_MONTHS"].mean()
    answer = _answered("What's the average tenure in months for each churn risk tier?", world)
    assert {(r[0] or "(none)"): pytest.approx(float(r[-1])) for r in answer.rows} == expected.to_dict()


def test_retention_targets_in_a_risk_tier_are_one_count(world, frames):
    people = _profile(frames)
    risk = people["CHURN_RISK_CATEGORY"].value_counts().index[0]
    expected = int((people["IS_RETENTION_TARGET"].astype(bool) & (people["CHURN_RISK_CATEGORY"] == risk)).sum())
    answer = _answered(f"How many retention targets are also in the {risk} tier?", world)
    assert answer.rows == [[expected]]


@pytest.mark.parametrize("question", [
    "How does the average credit utilisation of customers under {a} compare with customers aged {b} and over?",
    "Can you compare the average credit utilisation for customers under {a} with customers aged {b} and older?",
])
def test_two_age_groups_compared_side_by_side(world, frames, question):
    # the two conditions were both applied (no customer is both), answering NULL
    people = _profile(frames)
    young, old = int(people["AGE"].quantile(0.3)), int(people["AGE"].quantile(0.7))
    answer = _answered(question.format(a=young, b=old), world)
    expected = sorted([people.loc[people["AGE"] < young, "CREDIT_UTILIZATION_PCT"].mean(),
                       people.loc[people["AGE"] >= old, "CREDIT_UTILIZATION_PCT"].mean()])
    assert sorted(float(r[-1]) for r in answer.rows) == pytest.approx(expected)


def test_two_values_compared_with_the_verb_after_their_figure(world, frames):
    people = _profile(frames)
    expected = people[people["EMPLOYMENT_STATUS"].isin(["Employed", "Self-Employed"])] \
        .groupby("EMPLOYMENT_STATUS")["LIFETIME_VALUE"].mean()
    answer = _answered("How does the average lifetime value of Employed customers compare with Self-Employed "
                       "customers?", world)
    assert {r[0]: pytest.approx(float(r[-1])) for r in answer.rows} == expected.to_dict()


def test_conditions_no_row_can_meet_together_are_refused(world):
    # was an average over no customers (NULL) answered as a figure
    answer = ask("average ltv of customers under 25 and over 60", world, as_of=AS_OF)
    assert answer.refused and answer.rows == [], answer.interpretation
    assert answer.suggestions


def test_the_biggest_dollar_increase_between_two_quarters_is_the_difference(world, frames):
    t = approved(frames)
    q1 = t[(t["DATE_KEY"] >= 20250101) & (t["DATE_KEY"] <= 20250331)].groupby("MERCHANT_CATEGORY")["TRANSACTION_AMOUNT"].sum()
    q2 = t[(t["DATE_KEY"] >= 20250401) & (t["DATE_KEY"] <= 20250630)].groupby("MERCHANT_CATEGORY")["TRANSACTION_AMOUNT"].sum()
    change = (q2 - q1.reindex(q2.index).fillna(0)).sort_values(ascending=False)
    answer = _answered("Which merchant category had the biggest dollar increase in spend from Q1 2025 to Q2 2025?", world)
    assert answer.rows[0][0] == change.index[0]
    assert float(answer.rows[0][-1]) == pytest.approx(float(change.iloc[0]))  # was the ratio minus 1
    assert float(change.iloc[0]) != pytest.approx(float(q2[change.index[0]] / q1[change.index[0]] - 1))


def test_purchases_over_an_amount_the_customers_of_a_kind_made(world, frames):
    t = _with_profile(approved(frames), frames)
    may = t[(t["DATE_KEY"] >= 20250501) & (t["DATE_KEY"] <= 20250531)]
    card = may["CARD_TYPE"].value_counts().index[0]
    amount = int(may["TRANSACTION_AMOUNT"].median())
    expected = int(((may["CARD_TYPE"] == card) & (may["TRANSACTION_AMOUNT"] > amount)).sum())
    assert expected > 0
    answer = _answered(f"How many purchases over ${amount} did {card} cardholders make last month?", world)
    assert answer.rows == [[expected]]


def test_which_of_two_values_has_the_higher_figure(world, frames):
    people = _profile(frames)
    means = people[people["CARD_TYPE"].isin(["Gold", "Premium"])].groupby("CARD_TYPE")["LIFETIME_VALUE"].mean()
    answer = _answered("Gold or Premium: which card type has the higher average lifetime value?", world)
    assert [r[0] for r in answer.rows] == [means.idxmax()]
    lower = _answered("which card type has the lower average lifetime value, gold or premium?", world)
    assert [r[0] for r in lower.rows] == [means.idxmin()]


def test_shares_of_named_groups_are_of_their_total(world, frames):
    # each row was its share counted by itself: 100%
    t = approved(frames)
    named = t[t["CHANNEL"].isin(["Online", "In-Store"])].groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum()
    answer = _answered("share of spend for online and in-store by channel", world)
    assert {r[0]: pytest.approx(float(r[-1])) for r in answer.rows} == (named / named.sum()).to_dict()


def test_a_drop_versus_the_prior_90_days_is_the_90_day_spend_change(world, frames):
    people = _profile(frames)
    expected = int((people["SPEND_CHANGE_PCT"] < -0.2).sum())
    assert expected > 0
    answer = _answered("Can you tell me the number of customers whose spend dropped by more than 20% versus the prior "
                       "90 days?", world)
    assert answer.rows == [[expected]]


@pytest.mark.parametrize("question, up", [
    ("Which 5 customers had the biggest drop in spend?", False),
    ("the 5 customers whose 90-day spend fell the most", False),
    ("which 5 customers had the largest increase in spend", True),
    ("top 5 customers whose spend grew the most", True),
])
def test_customers_ranked_by_their_spend_change(world, frames, question, up):
    people = _profile(frames).sort_values(["SPEND_CHANGE_PCT", "CUSTOMER_ID"], ascending=[not up, True])
    assert people["SPEND_CHANGE_PCT"].iloc[4] != people["SPEND_CHANGE_PCT"].iloc[5]
    answer = _answered(question, world)
    assert [r[0] for r in answer.rows] == list(people["CUSTOMER_ID"].head(5))


@pytest.mark.parametrize("question, column", [
    ("average lifetime value per customer", "LIFETIME_VALUE"),
    ("What's the average month-over-month spend change per customer?", "MOM_SPEND_CHANGE_PCT"),
])
def test_a_customer_s_own_figure_averaged_per_customer_is_one_figure(world, frames, question, column):
    # was a list of each customer's own value
    expected = float(frames["CUSTOMER_360_PROFILE"][column].astype(float).mean())
    assert _answered(question, world).rows == [[pytest.approx(expected)]]


def test_the_profile_s_month_figures_are_the_latest_complete_month_s(world, frames):
    # data to 2025-06-30: the profile's month-over-month change is June's (against May)
    expected = float(frames["CUSTOMER_360_PROFILE"]["MOM_SPEND_CHANGE_PCT"].astype(float).mean())
    answer = _answered("What's the average month-over-month spend change per customer for June 2025?", world)
    assert answer.rows == [[pytest.approx(expected)]]
    other = ask("average month over month spend change in May 2025", world, as_of=AS_OF)
    assert other.refused and other.rows == []
