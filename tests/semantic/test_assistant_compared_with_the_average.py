"""A customer figure compared with its own average over every customer ("customers whose ltv is above average",
"platinum customers with below-average utilization"), each answer against an independent pandas computation on the
small test world; the average is computed first and said in the answer, and what has no customer average to compare
with ("customers who spent more than the average", "which states are above the average ltv") is refused."""

from __future__ import annotations

import pytest
from assistant_world import AS_OF, figure, ids_of, plain, profile

from c360_pipeline.semantic.assistant import ask


@pytest.mark.parametrize("question, column, above", [
    ("customers whose ltv is above average", "LIFETIME_VALUE", True),
    ("customers with above-average ltv", "LIFETIME_VALUE", True),
    ("customers with ltv greater than the avg", "LIFETIME_VALUE", True),
    ("show customers whose credit limit is below the average", "CREDIT_LIMIT", False),
    ("customers with a credit limit higher than the average credit limit", "CREDIT_LIMIT", True),
])
def test_customers_above_or_below_the_average(world, frames, question, column, above):
    p = profile(frames)
    average = p[column].mean()
    kept = p[p[column] > average] if above else p[p[column] < average]
    answer = ask(question, world, as_of=AS_OF)
    assert ids_of(answer) == set(kept["CUSTOMER_ID"])
    assert f"{average:,.2f}" in answer.interpretation


def test_the_average_is_over_every_customer_whatever_else_is_filtered(world, frames):
    p = profile(frames)
    average = p["CREDIT_UTILIZATION_PCT"].mean()
    kept = p[(p["CARD_TYPE"] == "Platinum") & (p["CREDIT_UTILIZATION_PCT"] < average)]
    answer = ask("list platinum customers with below average utilization", world, as_of=AS_OF)
    assert ids_of(answer) == set(kept["CUSTOMER_ID"])


@pytest.mark.parametrize("question", ["how many customers have above average ltv",
                                      "number of customers with ltv above average"])
def test_counted(world, frames, question):
    p = profile(frames)
    assert figure(ask(question, world, as_of=AS_OF)) == plain(int((p["LIFETIME_VALUE"] > p["LIFETIME_VALUE"].mean()).sum()))


def test_grouped_by_segment(world, frames):
    p = profile(frames)
    kept = p[p["CREDIT_LIMIT"] > p["CREDIT_LIMIT"].mean()]
    counts = kept.groupby("CUSTOMER_SEGMENT").size()
    answer = ask("how many customers with above average credit limit by segment", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {r[0]: r[1] for r in answer.rows} == {k: int(v) for k, v in counts.items()}


def test_a_figure_averaged_over_the_customers_above_the_average(world, frames):
    p = profile(frames)
    kept = p[p["TENURE_MONTHS"] > p["TENURE_MONTHS"].mean()]
    answer = ask("average ltv of customers with above average tenure", world, as_of=AS_OF)
    assert float(figure(answer)) == pytest.approx(kept["LIFETIME_VALUE"].mean())


@pytest.mark.parametrize("question", ["how many customers spent more than the average",
                                      "customers with above average spend",
                                      "which states are above the average ltv",
                                      "customers with ltv above the average credit limit"])
def test_no_customer_average_to_compare_with_is_refused(world, question):
    answer = ask(question, world, as_of=AS_OF)
    assert answer.refused and "average" in answer.interpretation
