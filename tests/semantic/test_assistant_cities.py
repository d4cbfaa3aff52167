"""A customer's city, known from the warehouse's own data (too many values for the model's sample values): each answer
against an independent pandas computation on the small test world, its customers given a few cities, one of them
spelled as a name the model already has (a card type), which is refused after "in" rather than guessed."""

from __future__ import annotations

import pandas as pd
import pytest
from assistant_world import build_world, figure, plain, profile

from c360_pipeline.semantic.assistant import ask, data_values

CITIES = ["West Charles", "Williamfurt", "Lake Jennifer", "Springfield", "Gold"]


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    world = build_world()
    p = world["CUSTOMER_360_PROFILE"]
    p["CITY"] = [CITIES[i % len(CITIES)] for i in range(len(p))]
    return world


def test_the_cities_are_read_from_the_warehouse_once(world):
    values = data_values(world)
    assert {value for _, name, value in values if name == "city"} == set(CITIES)
    assert data_values(world) is values  # cached per warehouse


@pytest.mark.parametrize("question, city", [("custs in west charles", "West Charles"),
                                            ("customers in Lake Jennifer", "Lake Jennifer")])
def test_customers_in_a_city(world, frames, question, city):
    p = profile(frames)
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    got = {row[answer.columns.index("CUSTOMER_ID")] for row in answer.rows}
    assert got == set(p[p["CITY"] == city]["CUSTOMER_ID"])


def test_a_figure_of_the_customers_in_a_city(world, frames):
    p = profile(frames)
    expected = p[p["CITY"] == "Williamfurt"]["CREDIT_LIMIT"].mean()
    assert figure(ask("avg credit limit of custs in williamfurt", world)) == plain(expected)


def test_a_city_spelled_as_a_name_of_the_model_is_refused_where_a_place_is_read(world, frames):
    assert ask("how many customers in gold", world).refused
    # elsewhere the model's name stands: Gold cardholders
    p = profile(frames)
    assert figure(ask("how many gold cardholders", world)) == plain(int((p["CARD_TYPE"] == "Gold").sum()))


def test_a_misspelling_is_not_read_as_a_city(world):
    # "charels" is one slip from the city's "charles", which is no name of the model: not corrected to it
    assert ask("custs in west charels", world).refused
