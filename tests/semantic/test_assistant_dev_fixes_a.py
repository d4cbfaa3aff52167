"""A passive written with "get" is the one written with "be" ("how many txns over $1000 got declined ytd"); "thru"
is "through" ("which channel did retirees spend the most thru ytd"); a short word with a letter left out inside it
is the known word it slips from when the letter is a vowel ("avg credit limt for platinum cardholders", "avg amont"),
never a consonant ("send" is not "spend", "chanel" not "channel"). Each answer against an independent pandas
computation on the small test world."""

from __future__ import annotations

from datetime import date

import pytest
from assistant_world import AS_OF, approved, between, figure, plain, profile

from c360_pipeline.semantic.assistant import ask

YTD = (date(2025, 1, 1), AS_OF)


def declined(frames):
    fact = frames["FCT_TRANSACTIONS"]
    out = fact[fact["STATUS"] == "declined"].copy()
    out["TRANSACTION_AMOUNT"] = out["TRANSACTION_AMOUNT"].astype(float)
    return out


# --- 1. "got declined" is "were declined" -------------------------------------------------------------------------
@pytest.mark.parametrize("question, over, period", [
    ("how many txns over $500 got declined ytd", 500, YTD),
    ("how many transactions got declined in 2025", 0, (date(2025, 1, 1), date(2025, 12, 31))),
    ("how many purchases over 300 gets rejected ytd", 300, YTD),
    ("number of transactions getting declined", 0, None),
])
def test_a_passive_with_get_is_the_passive_with_be(world, frames, question, over, period):
    t = declined(frames)
    t = t[t["TRANSACTION_AMOUNT"] > over]
    if period:
        t = between(t, *period)
    assert figure(ask(question, world, as_of=AS_OF)) == plain(len(t))


def test_got_approved_counts_approved_transactions(world, frames):
    t = between(approved(frames), *YTD)
    assert figure(ask("how many transactions got approved ytd", world, as_of=AS_OF)) == plain(len(t))


# --- 2. "thru" is "through" -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("question, status, period", [
    ("which channel did retirees spend the most thru ytd", "Retired", YTD),
    ("which channel did students spend the most from january thru march", "Student", (date(2025, 1, 1), date(2025, 3, 31))),
])
def test_thru_is_through(world, frames, question, status, period):
    customers = set(profile(frames).query("EMPLOYMENT_STATUS == @status")["CUSTOMER_ID"])
    t = between(approved(frames), *period)
    sums = t[t["CUSTOMER_ID"].isin(customers)].groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum().sort_values(ascending=False)
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert [(row[0], plain(row[1])) for row in answer.rows] == [(sums.index[0], plain(sums.iloc[0]))]


# --- 3. a letter left out inside a short word -----------------------------------------------------------------------
@pytest.mark.parametrize("question, card", [
    ("avg credit limt for platinum cardholders", "Platinum"),
    ("average credit lmit of gold cardholders", "Gold"),
    ("mean credt limit for standard card holders", "Standard"),
])
def test_a_letter_left_out_inside_a_short_word(world, frames, question, card):
    p = profile(frames)
    answer = ask(question, world, as_of=AS_OF)
    assert figure(answer) == plain(p[p["CARD_TYPE"] == card]["CREDIT_LIMIT"].mean())
    assert "Read '" in answer.interpretation


def test_a_vowel_left_out_of_spend_and_of_amount(world, frames):
    t = approved(frames)
    assert figure(ask("total spnd", world, as_of=AS_OF)) == plain(t["TRANSACTION_AMOUNT"].sum())
    assert figure(ask("avg amont", world, as_of=AS_OF)) == plain(t["TRANSACTION_AMOUNT"].mean())


def test_a_consonant_left_out_of_a_four_letter_word_is_not_a_slip():
    from c360_pipeline.semantic.grammar import catalog_for
    from c360_pipeline.semantic.spelling import corrections
    _, lexicon = catalog_for(None, ())
    assert corrections(["send", "tend", "sale", "chanel", "amout"], lexicon) == {}
    assert corrections(["limt", "spnd"], lexicon) == {"limt": "limit", "spnd": "spend"}


# --- 4. a summary of "number of" a customer's count -----------------------------------------------------------------
@pytest.mark.parametrize("question, summary, over", [
    ("avg number of lifetime transactions for custmers over 60", "mean", 60),
    ("average number of lifetime transactions", "mean", None),
    ("max number of lifetime transactions for customers over 40", "max", 40),
    ("median number of total transactions", "median", None),
])
def test_a_summary_of_the_number_of_a_customers_count(world, frames, question, summary, over):
    p = profile(frames)
    if over is not None:
        p = p[p["AGE"] > over]
    assert figure(ask(question, world, as_of=AS_OF)) == plain(getattr(p["TOTAL_TRANSACTIONS"], summary)())


def test_average_number_of_lifetime_transactions_by_card_type(world, frames):
    p = profile(frames)
    expected = p.groupby("CARD_TYPE")["TOTAL_TRANSACTIONS"].mean()
    answer = ask("average count of lifetime transactions by card type", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0]: plain(row[1]) for row in answer.rows} == {k: plain(v) for k, v in expected.items()}


# --- 5. "age of the oldest customer": the age settles "oldest" -----------------------------------------------------
@pytest.mark.parametrize("question, summary, card", [
    ("age of the oldest customer", "max", None),
    ("what is the age of our oldest cardholder", "max", None),
    ("age of the youngest customer", "min", None),
    ("age of the oldest platinum cardholder", "max", "Platinum"),
])
def test_the_age_of_the_oldest_customer_is_the_maximum_age(world, frames, question, summary, card):
    p = profile(frames)
    if card:
        p = p[p["CARD_TYPE"] == card]
    assert figure(ask(question, world, as_of=AS_OF)) == plain(getattr(p["AGE"], summary)())


@pytest.mark.parametrize("question", ["oldest customer", "tenure of the oldest customer"])
def test_oldest_without_the_age_stays_ambiguous(world, question):
    answer = ask(question, world, as_of=AS_OF)
    assert answer.refused and "could mean their age" in answer.interpretation


# --- 6. "approved | transaction value": a filler word a figure's phrase reads is not left behind ---------------------
JUNE = (date(2025, 6, 1), date(2025, 6, 30))


@pytest.mark.parametrize("question, period, summary", [
    ("avg approved txn value per card type in june", JUNE, "mean"),
    ("average approved transaction value by card type", None, "mean"),
    ("median approved transaction value by card type in june", JUNE, "median"),
])
def test_approved_transaction_value_by_card_type(world, frames, question, period, summary):
    t = approved(frames)
    if period:
        t = between(t, *period)
    cards = dict(zip(frames["CUSTOMER_360_PROFILE"]["CUSTOMER_ID"], frames["CUSTOMER_360_PROFILE"]["CARD_TYPE"]))
    expected = getattr(t.groupby(t["CUSTOMER_ID"].map(cards))["TRANSACTION_AMOUNT"], summary)()
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0]: plain(row[1]) for row in answer.rows} == {k: plain(v) for k, v in expected.items()}


def test_average_approved_transaction_value(world, frames):
    t = approved(frames)
    assert figure(ask("average approved transaction value", world, as_of=AS_OF)) == plain(t["TRANSACTION_AMOUNT"].mean())


# --- 7. "which month ..." ranks the calendar's months --------------------------------------------------------------
@pytest.mark.parametrize("question, period, low, count", [
    ("which month in 2025 had the highest spend", (date(2025, 1, 1), AS_OF), False, False),
    ("what month had the lowest spend in 2025", (date(2025, 1, 1), AS_OF), True, False),
    ("which month had the most transactions", None, False, True),
    ("which month in 2024 had the highest spend", (date(2024, 1, 1), date(2024, 12, 31)), False, False),
])
def test_which_month_had_the_highest_figure(world, frames, question, period, low, count):
    t = approved(frames)
    if period:
        t = between(t, *period)
    months = t.groupby(t["DATE_KEY"].map(lambda k: f"{k // 10000}-{k // 100 % 100:02d}"))["TRANSACTION_AMOUNT"]
    sums = (months.size() if count else months.sum()).sort_values(ascending=low)
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert [(row[0], plain(row[1])) for row in answer.rows] == [(sums.index[0], plain(sums.iloc[0]))]


# --- 8. a year before the kind of spend it dates ("2024 online spend") ---------------------------------------------
@pytest.mark.parametrize("question, year, column, value", [
    ("2024 online spend by segment", 2024, "CHANNEL", "Online"),
    ("2025 mobile spend by segment", 2025, "CHANNEL", "Mobile"),
    ("2025 grocery store spend by segment", 2025, "MERCHANT_CATEGORY", "Grocery Stores"),
])
def test_a_year_before_the_kind_of_spend_is_its_period(world, frames, question, year, column, value):
    t = between(approved(frames), date(year, 1, 1), date(year, 12, 31))
    t = t[t[column] == value]
    segments = dict(zip(frames["CUSTOMER_360_PROFILE"]["CUSTOMER_ID"], frames["CUSTOMER_360_PROFILE"]["CUSTOMER_SEGMENT"]))
    expected = t.groupby(t["CUSTOMER_ID"].map(segments))["TRANSACTION_AMOUNT"].sum()
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0]: plain(row[1]) for row in answer.rows} == {k: plain(v) for k, v in expected.items()}


def test_a_year_before_travel_spend(world, frames):
    t = between(approved(frames), date(2025, 1, 1), date(2025, 12, 31))
    travel = set(frames["DIM_MERCHANT_CATEGORY"].query("CATEGORY_GROUP == 'travel'")["MERCHANT_CATEGORY"])
    assert figure(ask("2025 travel spend", world, as_of=AS_OF)) == plain(
        t[t["MERCHANT_CATEGORY"].isin(travel)]["TRANSACTION_AMOUNT"].sum())


def test_an_amount_before_dollars_is_not_a_year(world):
    assert ask("customers with 2000 dollars of spend", world, as_of=AS_OF).refused


@pytest.mark.parametrize("question", ["get declined transactions over 500", "can you get declined transactions",
                                      "please get declined txns"])
def test_get_as_the_request_is_not_a_passive(question):
    from c360_pipeline.semantic.normalise import normalise
    assert normalise(question) == question


@pytest.mark.parametrize("question", ["what month is it"])
def test_which_month_without_a_figure_of_the_transactions_stays_refused(world, question):
    assert ask(question, world, as_of=AS_OF).refused
