"""The Streamlit app driven through AppTest over a real local database, checked against direct DataFrame queries.

The database (`<home>/C360.db`) is built with `Warehouse.write_pandas` by a writer session that is closed
again (tests/app_fixtures.py); expected values come from Snowpark DataFrame queries on the same tables
through a read-only session, so the app and the check share no code.
"""

from __future__ import annotations

import io
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from app_fixtures import build_app_warehouse, writer_process
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import DateType, DecimalType, DoubleType, StringType, StructField, StructType
from streamlit.testing.v1 import AppTest

from c360_pipeline import engine
from c360_pipeline.app_launcher import launch_app
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse

APP_DIR = Path(__file__).resolve().parents[2] / "streamlit_app"
APP = APP_DIR / "streamlit_app.py"
sys.path.insert(0, str(APP_DIR))

import data_access  # noqa: E402
import gold_queries  # noqa: E402
from campaign import break_even_rate, campaign_result  # noqa: E402
from tabs import count, money, percent  # noqa: E402

INJECTIONS = (
    "'; DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE; --",
    "' OR '1'='1",
    "\" OR \"\"=\"",
    "%",
    "_",
    ".*",
    "Robert'); DELETE FROM GOLD.FCT_TRANSACTIONS WHERE ('1'='1",
    "1; UPDATE C360.GOLD.CUSTOMER_360_PROFILE SET LIFETIME_VALUE = 0",
    "$$ || CURRENT_USER() || $$",
)
TABLES = {
    "segment customers": ("Segment Explorer", 0),
    "card history": ("Customer 360", 0),
    "transactions": ("Customer 360", 1),
    "campaign targets": ("Campaign Simulator", 0),
}
FORM_SUBMIT = {"ai_question": "ai_ask"}
WIDGET_KINDS = (
    "multiselect", "selectbox", "slider", "text_input", "number_input", "date_input", "button", "download_button",
)


@pytest.fixture(scope="module")
def homes(tmp_path_factory) -> dict[str, Path]:
    """Two small local databases: one with churn scores, one built before any churn model ran."""
    scored = tmp_path_factory.mktemp("app-scored")
    unscored = tmp_path_factory.mktemp("app-unscored")
    build_app_warehouse(scored, customers=40, transactions_per_customer=30, seed=7, scored=True)
    build_app_warehouse(unscored, customers=12, transactions_per_customer=10, seed=3, scored=False)
    return {"scored": scored, "unscored": unscored}


@pytest.fixture(scope="module")
def gold(homes):
    """A separate read-only session on the scored database, for the direct queries (readers do not block readers)."""
    session = engine.reader_session(homes["scored"])
    warehouse = Warehouse.of(session, PipelineConfig.build(home=homes["scored"]))
    yield warehouse
    session.close()


def run_app(monkeypatch, home: Path) -> AppTest:
    monkeypatch.setenv("C360_HOME", str(home))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture()
def app(monkeypatch, homes) -> AppTest:
    return run_app(monkeypatch, homes["scored"])


def tab(app: AppTest, label: str):
    return next(t for t in app.tabs if t.label == label)


def table(app: AppTest, name: str) -> pd.DataFrame:
    """A table on screen by name (st.dataframe without selection carries no key, so by tab and position)."""
    label, position = TABLES[name]
    return tab(app, label).dataframe[position].value


def metrics(block) -> dict[str, str]:
    return {m.label: m.value for m in block.metric}


def ids_of(frame) -> list[str]:
    return sorted(row["CUSTOMER_ID"] for row in frame.collect())


# --- shell ---------------------------------------------------------------------------------------------------


def test_app_shows_the_tabs_and_every_widget_has_a_key(app):
    expected = ["Segment Explorer", "Customer 360", "AI Assistant", "Campaign Simulator"]
    assert [t.label for t in app.tabs if t.label in expected] == expected  # (the assistant nests its own tabs)
    widgets = [w for kind in WIDGET_KINDS for w in getattr(app, kind)]
    assert len(widgets) >= 15
    assert [w for w in widgets if not w.key] == []


def test_missing_warehouse_says_which_command_to_run(monkeypatch, tmp_path):
    monkeypatch.setenv("C360_HOME", str(tmp_path / "empty"))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception
    assert len(app.tabs) == 0
    assert "c360 run --home" in app.error[0].value


def test_app_data_is_the_local_warehouse_named_by_c360_home(monkeypatch, homes):
    monkeypatch.setenv("C360_HOME", str(homes["scored"]))
    monkeypatch.setenv("C360_DATABASE", "c360")
    data = data_access.app_data()
    assert (data.engine, data.home, data.database) == ("local", str(homes["scored"].resolve()), "C360")
    with data.reading() as session:
        counted = session.table("C360.GOLD.CUSTOMER_360_PROFILE").count()
    assert data.facets().customers == counted == 40
    assert str(engine.database_file(homes["scored"])) in data.describe()


def test_launcher_refuses_without_data_and_names_the_command(tmp_path, capsys):
    assert launch_app(tmp_path / "nothing-here", port=None) == 2
    assert f"c360 run --home {tmp_path / 'nothing-here'}" in capsys.readouterr().err


def test_app_lets_a_run_write_and_says_so_while_it_does(monkeypatch, tmp_path, capsys):
    """The app reads and lets the database go (a run can open it); while the run writes, it says so, not a trace."""
    home = tmp_path / "busy"
    build_app_warehouse(home, customers=8, transactions_per_customer=5, seed=5)
    app = run_app(monkeypatch, home)
    assert metrics(tab(app, "Segment Explorer"))["Customers"] == "8"
    with writer_process(home):  # fails if the app still held the database
        data_access.clear_caches()
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        assert len(app.tabs) == 0
        assert any("is writing to" in w.value and str(engine.database_file(home)) in w.value for w in app.warning)
        assert launch_app(home, port=None) == 3
        assert "c360 app --home" in capsys.readouterr().err
    app.button(key="app_reload_busy").click().run()  # the run has finished: the data is back
    assert not app.exception and not app.warning
    assert metrics(tab(app, "Segment Explorer"))["Customers"] == "8"


def test_a_run_finishing_shows_its_data_without_a_restart(monkeypatch, tmp_path):
    home = tmp_path / "rebuilt"
    build_app_warehouse(home, customers=8, transactions_per_customer=5, seed=5)
    app = run_app(monkeypatch, home)
    assert metrics(tab(app, "Segment Explorer"))["Customers"] == "8"
    build_app_warehouse(home, customers=11, transactions_per_customer=5, seed=5)  # a run rewrites the tables
    app.run()
    assert not app.exception
    assert app.caption[0].value.startswith("11 customers")
    assert len(app.selectbox(key="c360_customer").options) == 11


# --- Segment Explorer ----------------------------------------------------------------------------------------


def test_declining_high_risk_california_matches_the_profile(app, gold, mocker):
    buttons = mocker.spy(st, "download_button")
    app.multiselect(key="seg_segments").set_value(["Declining"])
    app.multiselect(key="seg_risks").set_value(["High Risk"])
    app.multiselect(key="seg_states").set_value(["CA"]).run()
    assert not app.exception

    expected = gold.read("GOLD", "CUSTOMER_360_PROFILE").filter(
        (F.col("CUSTOMER_SEGMENT") == "Declining") & (F.col("CHURN_RISK_CATEGORY") == "High Risk") & (F.col("STATE") == "CA")
    )
    totals = expected.agg(F.count("*").alias("N"), F.sum("LIFETIME_VALUE").alias("LTV"), F.avg("CHURN_RISK_SCORE").alias("RISK")).collect()[0]
    assert totals["N"] >= 4  # the fixture places four such customers; random ones may add more
    shown = metrics(tab(app, "Segment Explorer"))
    assert shown["Customers"] == count(totals["N"])
    assert shown["Total LTV"] == money(float(totals["LTV"]))
    assert shown["Average LTV"] == money(float(totals["LTV"]) / totals["N"])
    assert shown["Average churn risk"] == f"{float(totals['RISK']):.1f}"

    shown_list = table(app, "segment customers")
    assert sorted(shown_list["CUSTOMER_ID"]) == ids_of(expected)
    assert list(shown_list["LIFETIME_VALUE"]) == sorted(shown_list["LIFETIME_VALUE"], reverse=True)
    # The CSV offered for download holds the customers on screen, in the same order and columns.
    csv_rows = downloaded(buttons, "seg_download")
    assert list(csv_rows["CUSTOMER_ID"]) == list(shown_list["CUSTOMER_ID"])
    assert list(csv_rows.columns) == list(shown_list.columns)


@pytest.mark.parametrize("built_on_click", [True, False], ids=["file built on click", "file built with the page"])
def test_long_lists_show_the_first_customers_and_download_them_all(monkeypatch, app, gold, mocker, built_on_click):
    """A list longer than the screen shows its first rows and says so; the download holds every customer.

    Streamlit 1.52+ builds a download when it is clicked; Streamlit in Snowflake's 1.51 takes the file's bytes.
    """
    import tabs

    monkeypatch.setattr(tabs, "BUILDS_DOWNLOADS_ON_CLICK", built_on_click)
    monkeypatch.setattr(data_access, "LIST_LIMIT", 7)
    buttons = mocker.spy(st, "download_button")
    app.multiselect(key="camp_segments").set_value([]).run()
    assert not app.exception

    profile = gold.to_pandas("GOLD", "CUSTOMER_360_PROFILE")
    by_value = profile.sort_values(["LIFETIME_VALUE", "CUSTOMER_ID"], ascending=[False, True], na_position="last")
    assert list(table(app, "segment customers")["CUSTOMER_ID"]) == list(by_value["CUSTOMER_ID"][:7])
    assert metrics(tab(app, "Segment Explorer"))["Customers"] == count(len(profile))
    assert any(c.value.startswith(f"Showing the 7 with the highest lifetime value of {len(profile)}")
               for c in tab(app, "Segment Explorer").caption)
    assert list(downloaded(buttons, "seg_download")["CUSTOMER_ID"]) == list(by_value["CUSTOMER_ID"])

    by_risk = profile.sort_values(
        ["CHURN_RISK_SCORE", "LIFETIME_VALUE", "CUSTOMER_ID"], ascending=[False, False, True], na_position="last"
    )
    assert list(table(app, "campaign targets")["CUSTOMER_ID"]) == list(by_risk["CUSTOMER_ID"][:7])
    assert any(c.value.startswith(f"Showing the first 7 of {len(profile)}") for c in tab(app, "Campaign Simulator").caption)
    assert list(downloaded(buttons, "camp_download")["CUSTOMER_ID"]) == list(by_risk["CUSTOMER_ID"])


def downloaded(buttons, key: str) -> pd.DataFrame:
    """The CSV that the last download button with this key delivers when clicked (built then, or already)."""
    contents = next(call.kwargs["data"] for call in reversed(buttons.call_args_list) if call.kwargs["key"] == key)
    return pd.read_csv(io.BytesIO(contents() if callable(contents) else contents))


def test_card_type_and_ltv_range_filter_like_the_profile(app, gold):
    low, high = 1500, 2500
    app.multiselect(key="seg_cards").set_value(["Gold", "Premium"])
    app.slider(key="seg_ltv").set_value((low, high)).run()
    assert not app.exception
    expected = gold.read("GOLD", "CUSTOMER_360_PROFILE").filter(
        F.col("CARD_TYPE").isin(["Gold", "Premium"]) & F.col("LIFETIME_VALUE").between(low, high)
    )
    assert 0 < expected.count() < 40
    assert metrics(tab(app, "Segment Explorer"))["Customers"] == count(expected.count())
    assert sorted(table(app, "segment customers")["CUSTOMER_ID"]) == ids_of(expected)


def test_filters_that_match_nobody_show_a_message_not_an_error(app, gold):
    slider = app.slider(key="seg_ltv")
    lowest = int(slider.min)
    slider.set_value((lowest, lowest)).run()
    assert not app.exception
    profile = gold.read("GOLD", "CUSTOMER_360_PROFILE")
    assert profile.filter(F.col("LIFETIME_VALUE").between(lowest, lowest)).count() == 0
    assert metrics(tab(app, "Segment Explorer"))["Customers"] == "0"
    assert any("No customers match" in i.value for i in app.info)


# --- Customer 360 --------------------------------------------------------------------------------------------


def test_search_with_a_quote_finds_the_customer_and_shows_their_profile(app, gold):
    app.text_input(key="c360_search").input("o'brien").run()
    assert not app.exception
    chooser = app.selectbox(key="c360_customer")
    assert len(chooser.options) == 1
    assert chooser.value == "CUST00000001"
    row = gold.read("GOLD", "CUSTOMER_360_PROFILE").filter(F.col("CUSTOMER_ID") == "CUST00000001").collect()[0]
    shown = metrics(tab(app, "Customer 360"))
    assert shown["Lifetime value"] == money(float(row["LIFETIME_VALUE"]))
    assert shown["Avg transaction"] == f"${float(row['AVG_TRANSACTION_VALUE']):,.2f}"
    assert shown["Spend, last 90 days"] == money(float(row["SPEND_LAST_90_DAYS"]))
    assert shown["Days since last transaction"] == count(row["DAYS_SINCE_LAST_TRANSACTION"])
    assert shown["Segment"] == row["CUSTOMER_SEGMENT"]
    assert shown["Churn risk"] == f"{row['CHURN_RISK_SCORE']:.1f} · {row['CHURN_RISK_CATEGORY']}"

    history = table(app, "card history")
    versions = gold.read("GOLD", "DIM_CUSTOMER").filter(F.col("CUSTOMER_ID") == "CUST00000001").sort("VALID_FROM").collect()
    assert list(history["Card type"]) == [v["CARD_TYPE"] for v in versions]
    assert list(history["Credit limit"]) == [float(v["CREDIT_LIMIT"]) for v in versions]
    assert list(history["Valid to"])[-1] == "current"

    transactions = table(app, "transactions")
    fact = gold.read("GOLD", "FCT_TRANSACTIONS").filter(F.col("CUSTOMER_ID") == "CUST00000001")
    assert sorted(transactions["TRANSACTION_ID"]) == sorted(r["TRANSACTION_ID"] for r in fact.collect())
    assert transactions["TRANSACTION_DATE"].is_monotonic_decreasing


@pytest.mark.parametrize(
    ("field", "text", "columns"),
    [
        ("ID, name or email", "SMITH", ("FULL_NAME", "EMAIL", "CUSTOMER_ID")),
        ("Name", "sMiTh", ("FULL_NAME",)),
        ("Customer ID", "cust0000001", ("CUSTOMER_ID",)),
        ("Email", "EXAMPLE.COM", ("EMAIL",)),
    ],
)
def test_search_is_partial_and_case_insensitive(app, gold, field, text, columns):
    app.selectbox(key="c360_search_by").set_value(field)
    app.text_input(key="c360_search").input(text).run()
    assert not app.exception
    matched = None
    for column in columns:
        hit = F.lower(F.col(column)).contains(F.lit(text.lower()))
        matched = hit if matched is None else matched | hit
    expected = ids_of(gold.read("GOLD", "CUSTOMER_360_PROFILE").filter(matched))
    assert len(expected) >= 2
    assert sorted(o.split(" · ")[0] for o in app.selectbox(key="c360_customer").options) == expected


def test_transaction_date_range_and_category_group_filters(app, gold):
    customer = "CUST00000003"
    app.text_input(key="c360_search").input(customer).run()
    fact = gold.read("GOLD", "FCT_TRANSACTIONS").filter(F.col("CUSTOMER_ID") == customer)
    last_day = max(r["TRANSACTION_DATE"] for r in fact.collect()).date()
    start = last_day - timedelta(days=120)
    app.date_input(key="c360_txn_dates").set_value((start, last_day))
    app.multiselect(key="c360_txn_groups").set_value(["necessities", "dining"]).run()
    assert not app.exception
    groups = gold.read("GOLD", "DIM_MERCHANT_CATEGORY").select("MERCHANT_CATEGORY_KEY", "CATEGORY_GROUP")
    start_key, end_key = int(start.strftime("%Y%m%d")), int(last_day.strftime("%Y%m%d"))
    expected = (
        fact.join(groups, "MERCHANT_CATEGORY_KEY")
        .filter(F.col("DATE_KEY").between(start_key, end_key) & F.col("CATEGORY_GROUP").isin(["necessities", "dining"]))
        .collect()
    )
    shown = table(app, "transactions")
    assert 0 < len(shown) < fact.count()
    assert sorted(shown["TRANSACTION_ID"]) == sorted(r["TRANSACTION_ID"] for r in expected)
    assert set(shown["CATEGORY_GROUP"]) <= {"Necessities", "Dining"}


def test_changing_customer_resets_the_transaction_filters(app):
    app.text_input(key="c360_search").input("CUST0000000").run()
    app.multiselect(key="c360_txn_groups").set_value(["travel"]).run()
    app.selectbox(key="c360_customer").set_value("CUST00000002").run()
    assert not app.exception
    assert app.multiselect(key="c360_txn_groups").value == []


# --- Campaign Simulator --------------------------------------------------------------------------------------


def set_campaign(app, segments, risks, incentive, contact, retention_pct):
    app.multiselect(key="camp_segments").set_value(segments)
    app.multiselect(key="camp_risks").set_value(risks)
    app.number_input(key="camp_incentive").set_value(incentive)
    app.number_input(key="camp_contact_cost").set_value(contact)
    app.number_input(key="camp_retention").set_value(retention_pct)
    app.run()
    assert not app.exception


def test_campaign_figures_follow_the_formula_on_the_audience(app, gold):
    set_campaign(app, ["Declining"], ["High Risk"], 50.0, 5.0, 30.0)
    audience = gold.read("GOLD", "CUSTOMER_360_PROFILE").filter(
        (F.col("CUSTOMER_SEGMENT") == "Declining") & (F.col("CHURN_RISK_CATEGORY") == "High Risk")
    )
    row = audience.agg(F.count("*").alias("N"), F.avg("LIFETIME_VALUE").alias("LTV")).collect()[0]
    n, ltv = row["N"], float(row["LTV"])
    cost, value = n * 55.0, n * 0.30 * ltv * 0.20
    shown = metrics(tab(app, "Campaign Simulator"))
    assert shown["Target customers"] == count(n)
    assert shown["Total cost"] == money(cost)
    assert shown["Customers retained"] == f"{n * 0.30:,.1f}"
    assert shown["Expected value"] == money(value)
    assert shown["Net benefit"] == money(value - cost)
    assert shown["ROI"] == percent((value - cost) / cost)
    assert shown["Break-even retention"] == percent(55.0 / (0.20 * ltv))
    assert sorted(table(app, "campaign targets")["CUSTOMER_ID"]) == ids_of(audience)


def test_campaign_at_the_break_even_rate_has_zero_roi(app, gold):
    audience = gold.read("GOLD", "CUSTOMER_360_PROFILE").filter(F.col("CUSTOMER_SEGMENT") == "Budget-Conscious")
    ltv = float(audience.agg(F.avg("LIFETIME_VALUE").alias("L")).collect()[0]["L"])
    rate = break_even_rate(ltv, 80.0, 10.0)
    assert 0 < rate < 1
    set_campaign(app, ["Budget-Conscious"], [], 80.0, 10.0, 100 * rate)
    assert metrics(tab(app, "Campaign Simulator"))["ROI"] == "0.0%"
    assert campaign_result(audience.count(), ltv, 80.0, 10.0, rate).roi == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(
    ("incentive", "contact", "retention", "message"),
    [
        (-10.0, 5.0, 30.0, "Incentive per customer must be between $0.00 and $1,000.00"),
        (50.0, 500.0, 30.0, "Contact cost per customer must be between"),
        (50.0, 5.0, 150.0, "Expected retention rate must be between 0% and 100%"),
        (0.0, 0.0, 30.0, "Incentive plus contact cost must be above $0"),
    ],
)
def test_out_of_range_campaign_inputs_show_a_message(app, incentive, contact, retention, message):
    set_campaign(app, ["Declining"], [], incentive, contact, retention)
    errors = [e.value for e in tab(app, "Campaign Simulator").error]
    assert any(e.startswith(message) for e in errors), errors
    assert "ROI" not in metrics(tab(app, "Campaign Simulator"))


# --- safety and data before a churn model --------------------------------------------------------------------


def test_sql_injection_text_is_plain_text_in_every_text_input(app, gold, homes):
    def contents() -> dict[str, pd.DataFrame]:
        return {
            "profile": gold.to_pandas("GOLD", "CUSTOMER_360_PROFILE").sort_values("CUSTOMER_ID", ignore_index=True),
            "fact": gold.to_pandas("GOLD", "FCT_TRANSACTIONS").sort_values("TRANSACTION_ID", ignore_index=True),
        }

    before = contents()
    profile = before["profile"]
    keys = [t.key for t in app.text_input]
    assert {"c360_search", "ai_question"} <= set(keys)
    for key in keys:
        for text in INJECTIONS:
            app.text_input(key=key).input(text)
            if key in FORM_SUBMIT:  # a text input inside a form is only read when the form is submitted
                app.button(key=FORM_SUBMIT[key]).click()
            app.run()
            assert not app.exception, (key, text, [e.value for e in app.exception])
            if key == "c360_search":
                literal = profile[
                    profile[["CUSTOMER_ID", "FULL_NAME", "EMAIL"]]
                    .apply(lambda c: c.str.lower().str.find(text.lower()) >= 0)
                    .any(axis=1)
                ]
                assert len(literal) == 0
                assert any("No customer" in i.value for i in tab(app, "Customer 360").info)
    after = contents()
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name])
    assert gold.read("GOLD", "CUSTOMER_360_PROFILE").count() == len(profile)
    assert metrics(tab(app, "Segment Explorer"))["Customers"] == count(len(profile))


def test_app_works_before_a_churn_model_has_scored(monkeypatch, homes):
    app = run_app(monkeypatch, homes["unscored"])
    assert metrics(tab(app, "Segment Explorer"))["Average churn risk"] == "—"
    assert app.multiselect(key="seg_risks").options == ["Not scored"]
    assert metrics(tab(app, "Customer 360"))["Churn risk"] == "Not scored"
    app.multiselect(key="seg_risks").set_value(["Not scored"]).run()
    assert not app.exception
    assert metrics(tab(app, "Segment Explorer"))["Customers"] == "12"


# --- data access: the Snowflake (Snowpark) queries and the local path agree ----------------------------------


def test_snowpark_customer_queries_match_the_local_reads(gold, homes):
    data = data_access.AppData("local", str(homes["scored"]), "C360")
    customer = "CUST00000005"
    fact = gold.read("GOLD", "FCT_TRANSACTIONS")
    categories = gold.read("GOLD", "DIM_MERCHANT_CATEGORY")
    for limit in (7, 1000):
        remote = (gold_queries.customer_transactions_query(fact, categories, customer, limit)).to_pandas()
        local = data.customer_transactions(customer, limit)
        assert len(local) == min(limit, 30)
        assert list(local["TRANSACTION_ID"]) == list(
            remote.sort_values(["TRANSACTION_DATE", "TRANSACTION_ID"], ascending=False)["TRANSACTION_ID"]
        )
        assert list(local.columns) == list(gold_queries.TRANSACTION_COLUMNS)
    newest = fact.filter(F.col("CUSTOMER_ID") == customer).sort(F.col("TRANSACTION_DATE").desc()).limit(7).collect()
    assert list(data.customer_transactions(customer, 7)["TRANSACTION_ID"]) == [r["TRANSACTION_ID"] for r in newest]

    remote_history = (gold_queries.customer_history_query(gold.read("GOLD", "DIM_CUSTOMER"), customer)).to_pandas()
    local_history = data.customer_history(customer)
    assert list(local_history["CUSTOMER_KEY"]) == list(remote_history["CUSTOMER_KEY"])
    assert list(local_history["CARD_TYPE"]) == list(remote_history["CARD_TYPE"])


AS_OF = date(2025, 6, 30)


@pytest.fixture()
def tiny_profile(session):
    """Four customers: one without approved spend (no lifetime value), one not scored yet."""
    schema = StructType([
        StructField("CUSTOMER_ID", StringType()), StructField("FULL_NAME", StringType()),
        StructField("EMAIL", StringType()), StructField("CUSTOMER_SEGMENT", StringType()),
        StructField("STATE", StringType()), StructField("CHURN_RISK_CATEGORY", StringType()),
        StructField("CHURN_RISK_SCORE", DoubleType()), StructField("CARD_TYPE", StringType()),
        StructField("LIFETIME_VALUE", DecimalType(14, 2)), StructField("AS_OF_DATE", DateType()),
    ])
    rows = [
        ["A", "Ann O'Brien", "ann@example.com", "Declining", "CA", "High Risk", 81.5, "Gold", Decimal("120.00"), AS_OF],
        ["B", "Bo 100% Smith", None, "Declining", "NY", None, None, "Gold", None, AS_OF],
        ["C", "Cy Smith", "cy_smith@example.com", "New & Growing", "CA", "Low Risk", 12.0, "Standard", Decimal("80.00"), AS_OF],
        ["D", "Di Jones", "d.jones@example.com", "Declining", "TX", "High Risk", 95.0, "Platinum", Decimal("300.00"), AS_OF],
    ]
    return session.create_dataframe(rows, schema=schema)


def selected_ids(profile, **selection) -> list[str]:
    return ids_of(gold_queries.selected_customers(profile, gold_queries.CustomerFilter(**selection)))


def test_filters_count_a_customer_without_spend_as_zero_lifetime_value(tiny_profile):
    assert selected_ids(tiny_profile, ltv_range=(0, 120)) == ["A", "B", "C"]
    assert selected_ids(tiny_profile, ltv_range=(50, 120)) == ["A", "C"]
    assert selected_ids(tiny_profile, risk_categories=["Not scored"]) == ["B"]
    assert selected_ids(tiny_profile, segments=["Declining"], risk_categories=["High Risk", "Not scored"]) == ["A", "B", "D"]
    assert selected_ids(tiny_profile, segments=["Declining"], states=["CA", "TX"], card_types=["Gold"]) == ["A"]
    assert selected_ids(tiny_profile) == ["A", "B", "C", "D"]


def test_selection_summary_counts_no_spend_as_zero_and_averages_scored_customers_only(tiny_profile):
    declining = gold_queries.CustomerFilter(segments=["Declining"])
    summary = gold_queries.selection_summary(
        gold_queries.plain_numbers(gold_queries.selection_summary_query(tiny_profile, declining).to_pandas())
    )
    assert (summary.customers, summary.total_ltv) == (3, 420.0)
    assert summary.average_ltv == pytest.approx(140.0)  # B counts as $0
    assert summary.average_risk_score == pytest.approx((81.5 + 95.0) / 2)  # B is not scored
    nobody = gold_queries.CustomerFilter(states=["WA"])
    empty = gold_queries.selection_summary(gold_queries.selection_summary_query(tiny_profile, nobody).to_pandas())
    assert (empty.customers, empty.average_ltv, empty.average_risk_score) == (0, None, None)


def test_facets_offer_the_values_present_and_not_scored(tiny_profile):
    facets = gold_queries.profile_facets(gold_queries.plain_numbers(gold_queries.profile_facets_query(tiny_profile).to_pandas()))
    assert (facets.customers, facets.as_of) == (4, AS_OF)
    assert facets.segments == ("Declining", "New & Growing")
    assert facets.states == ("CA", "NY", "TX")
    assert facets.risk_categories == ("Low Risk", "High Risk", "Not scored")
    assert facets.card_types == ("Standard", "Gold", "Platinum")
    assert facets.ltv_bounds == (0, 300)


@pytest.mark.parametrize(
    ("text", "columns", "expected"),
    [
        ("smith", gold_queries.SEARCH_COLUMNS, ["B", "C"]),
        ("SMITH@", ("EMAIL",), ["C"]),
        ("y_s", ("EMAIL",), ["C"]),
        ("y_s", ("FULL_NAME",), []),  # "_" is a character, not a wildcard ("Cy Smith")
        ("100%", ("FULL_NAME",), ["B"]),
        ("o%s", ("FULL_NAME",), []),  # so is "%"
        ("O'BRIEN", ("FULL_NAME",), ["A"]),
        ("", gold_queries.SEARCH_COLUMNS, ["A", "B", "C", "D"]),
    ],
)
def test_search_matches_literal_text_in_any_case(tiny_profile, text, columns, expected):
    rows = gold_queries.customer_search_query(tiny_profile, text, columns, limit=200).to_pandas()
    assert list(rows["CUSTOMER_ID"]) == expected
    assert set(rows["MATCHES"]) <= {len(expected)}


def test_search_counts_every_match_but_returns_the_first_by_id(tiny_profile):
    rows = gold_queries.customer_search_query(tiny_profile, "example.com", ("EMAIL",), limit=2).to_pandas()
    assert list(rows["CUSTOMER_ID"]) == ["A", "C"]
    assert list(rows["MATCHES"]) == [3, 3]


def test_customer_lists_are_ordered_limited_and_narrow(tiny_profile):
    by_value = gold_queries.customer_list_query(
        tiny_profile, gold_queries.CustomerFilter(), ("CUSTOMER_ID", "LIFETIME_VALUE"), gold_queries.BY_LIFETIME_VALUE, 3
    ).to_pandas()
    assert list(by_value.columns) == ["CUSTOMER_ID", "LIFETIME_VALUE"]
    assert list(by_value["CUSTOMER_ID"]) == ["D", "A", "C"]
    by_risk = gold_queries.customer_list_query(
        tiny_profile, gold_queries.CustomerFilter(segments=["Declining"]),
        ("CUSTOMER_ID", "CHURN_RISK_SCORE", "LIFETIME_VALUE"), gold_queries.BY_CHURN_RISK, None,
    ).to_pandas()
    assert list(by_risk["CUSTOMER_ID"]) == ["D", "A", "B"]  # not scored last
