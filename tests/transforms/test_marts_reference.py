"""The marts against an independent pandas computation from the raw files, for every customer.

A small clean world (dirty rate 0) is generated and run through the pipeline's step runners
(bronze → fact, then the marts). Lifetime value, average transaction value, month-over-month
spend and the segment inputs are then recomputed with pandas straight from the raw CSV files
and compared row by row with the pipeline's tables.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from c360_pipeline import generator
from c360_pipeline.catalog import CATEGORY_BY_NAME, PREMIUM_CARD_TYPES
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.orchestration.dag import STEPS
from c360_pipeline.steps import ingest, marts

AS_OF = date(2025, 6, 30)
CORE_STEPS = ("ingest_bronze", "stage_silver", "dim_date", "dim_merchant_category", "dim_customer", "fct_transactions")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The pipeline's marts and the raw files of a 30-customer, 240-day clean world."""
    home = tmp_path_factory.mktemp("reference")
    generator.generate_world(home / "raw", customers=30, seed=11, as_of=AS_OF, dirty_rate=0.0, days=240)
    cfg = PipelineConfig.build(home=home, as_of=AS_OF, customers=30, seed=11, dirty_rate=0.0)
    session = local_session()
    try:
        ingest.land_directory(session, cfg)  # the raw files land on the stage first, as a client delivers them
        for step in STEPS:
            if step.name in CORE_STEPS:
                assert step.load_runner()(session, cfg).status in {"succeeded", "warning"}, step.name
        for runner in (marts.run_customer_segments, marts.run_hero_metrics):
            assert runner(session, cfg).status == "succeeded"
        warehouse = Warehouse.of(session, cfg)
        # Rows as collected (money as Decimal, exactly as stored), not to_pandas (money as float64).
        tables = {
            name: pd.DataFrame([row.as_dict() for row in warehouse.read("GOLD", name).collect()])
            for name in ("CUSTOMER_SEGMENTS", "METRIC_CUSTOMER_LTV", "METRIC_AVG_TRANSACTION_VALUE",
                         "METRIC_MOM_SPEND_CHANGE")
        }
    finally:
        session.close()
    transactions = pd.concat(
        [pd.read_csv(path, dtype=str) for path in sorted((home / "raw").glob("transactions_*.csv"))], ignore_index=True
    )
    customers = pd.concat(
        [pd.read_csv(path, dtype=str) for path in sorted((home / "raw").glob("customers_*.csv"))], ignore_index=True
    )
    return tables, raw_approved(transactions), latest_customers(customers)


def raw_approved(transactions: pd.DataFrame) -> pd.DataFrame:
    """Approved raw transactions up to as_of, typed by pandas."""
    frame = transactions.assign(
        DAY=pd.to_datetime(transactions["transaction_date"]).dt.date,
        AMOUNT=transactions["transaction_amount"].map(Decimal),
    )
    return frame[(frame["status"] == "approved") & (frame["DAY"] <= AS_OF)]


def latest_customers(customers: pd.DataFrame) -> pd.DataFrame:
    """Each customer's latest record (its current attributes)."""
    ordered = customers.assign(UPDATED=pd.to_datetime(customers["updated_at"])).sort_values("UPDATED")
    return ordered.groupby("customer_id").tail(1).set_index("customer_id")


def test_the_world_has_customers_and_spend(built):
    tables, approved, customers = built
    assert len(customers) == 30 and len(approved) > 1000
    assert len(tables["METRIC_CUSTOMER_LTV"]) == 30


def test_lifetime_value_matches_raw_files(built):
    tables, approved, customers = built
    ltv = tables["METRIC_CUSTOMER_LTV"].set_index("CUSTOMER_ID")
    expected = approved.groupby("customer_id").agg(
        VALUE=("AMOUNT", "sum"), COUNT=("AMOUNT", "size"), FIRST=("DAY", "min"), LAST=("DAY", "max")
    )
    for customer_id, row in ltv.iterrows():
        opened = date.fromisoformat(customers.loc[customer_id, "account_open_date"])
        assert row["TENURE_DAYS"] == (AS_OF - opened).days, customer_id
        if customer_id not in expected.index:
            assert row["LIFETIME_VALUE"] == 0 and row["TOTAL_TRANSACTIONS"] == 0, customer_id
            continue
        want = expected.loc[customer_id]
        assert row["LIFETIME_VALUE"] == want["VALUE"], customer_id
        assert row["TOTAL_TRANSACTIONS"] == want["COUNT"], customer_id
        assert (row["FIRST_TRANSACTION_DATE"], row["LAST_TRANSACTION_DATE"]) == (want["FIRST"], want["LAST"]), customer_id
        assert row["AVG_SPEND_PER_DAY"] == pytest.approx(float(want["VALUE"]) / max((AS_OF - opened).days, 1))


def test_average_transaction_value_matches_raw_files(built):
    tables, approved, _ = built
    atv = tables["METRIC_AVG_TRANSACTION_VALUE"].set_index("CUSTOMER_ID")
    amounts = approved.assign(AMOUNT=approved["AMOUNT"].astype(float)).groupby("customer_id")["AMOUNT"]
    expected = amounts.agg(["mean", "std", "min", "max", "median"])
    assert sorted(atv.index) == sorted(expected.index)
    for customer_id, want in expected.iterrows():
        row = atv.loc[customer_id]
        assert row["AVG_TRANSACTION_VALUE"] == pytest.approx(want["mean"], rel=1e-9), customer_id
        assert row["STDDEV_TRANSACTION_VALUE"] == pytest.approx(want["std"], rel=1e-6), customer_id
        assert float(row["MIN_TRANSACTION_VALUE"]) == pytest.approx(want["min"]), customer_id
        assert float(row["MAX_TRANSACTION_VALUE"]) == pytest.approx(want["max"]), customer_id
        assert row["MEDIAN_TRANSACTION_VALUE"] == pytest.approx(want["median"]), customer_id
        consistency = float(np.clip(1 - want["std"] / want["mean"], 0, 1))
        assert row["SPENDING_CONSISTENCY"] == pytest.approx(consistency, rel=1e-6), customer_id


def expected_months(approved: pd.DataFrame) -> pd.DataFrame:
    """Customer x calendar month spend from each customer's first month to as_of's month, with the prior month."""
    monthly = approved.assign(MONTH=pd.to_datetime(approved["DAY"]).dt.to_period("M"))
    spend = monthly.groupby(["customer_id", "MONTH"])["AMOUNT"].sum()
    rows = []
    for customer_id, months in spend.groupby(level=0):
        months = months.droplevel(0)
        calendar = pd.period_range(months.index.min(), pd.Period(AS_OF, "M"), freq="M")
        series = months.reindex(calendar, fill_value=Decimal("0"))
        for position, (month, value) in enumerate(series.items()):
            prior = series.iloc[position - 1] if position else None
            rows.append({"CUSTOMER_ID": customer_id, "MONTH_KEY": month.year * 100 + month.month,
                         "SPEND": value, "PRIOR": prior})
    return pd.DataFrame(rows).set_index(["CUSTOMER_ID", "MONTH_KEY"])


def test_month_over_month_matches_raw_files(built):
    tables, approved, _ = built
    mom = tables["METRIC_MOM_SPEND_CHANGE"].set_index(["CUSTOMER_ID", "MONTH_KEY"]).sort_index()
    expected = expected_months(approved).sort_index()
    assert list(mom.index) == list(expected.index)
    for key, want in expected.iterrows():
        row = mom.loc[key]
        assert row["MONTHLY_SPEND"] == want["SPEND"], key
        if want["PRIOR"] is None:
            assert pd.isna(row["PRIOR_MONTH_SPEND"]) and pd.isna(row["SPEND_CHANGE_AMOUNT"]), key
            continue
        assert row["PRIOR_MONTH_SPEND"] == want["PRIOR"], key
        assert row["SPEND_CHANGE_AMOUNT"] == want["SPEND"] - want["PRIOR"], key
        if want["PRIOR"] > 0:
            assert row["SPEND_CHANGE_PCT"] == pytest.approx(float((want["SPEND"] - want["PRIOR"]) / want["PRIOR"])), key
        else:
            assert pd.isna(row["SPEND_CHANGE_PCT"]), key


def test_segment_inputs_match_raw_files(built):
    tables, approved, customers = built
    segments = tables["CUSTOMER_SEGMENTS"].set_index("CUSTOMER_ID")
    last_start, prior_start = AS_OF - timedelta(days=90), AS_OF - timedelta(days=180)
    for customer_id, row in segments.iterrows():
        mine = approved[approved["customer_id"] == customer_id]
        last = mine[mine["DAY"] > last_start]
        prior = mine[(mine["DAY"] > prior_start) & (mine["DAY"] <= last_start)]
        spend_last, spend_prior = last["AMOUNT"].sum(), prior["AMOUNT"].sum()
        travel = last.loc[last["merchant_category"].map(lambda c: CATEGORY_BY_NAME[c].is_travel).astype(bool), "AMOUNT"].sum()
        necessities = last.loc[
            last["merchant_category"].map(lambda c: CATEGORY_BY_NAME[c].is_necessity).astype(bool), "AMOUNT"
        ].sum()
        assert (row["SPEND_LAST_90_DAYS"], row["SPEND_PRIOR_90_DAYS"]) == (spend_last, spend_prior), customer_id
        assert row["AVG_MONTHLY_SPEND"] == pytest.approx(float(spend_last) / 3), customer_id
        assert row["TRAVEL_SHARE"] == pytest.approx(float(travel / spend_last) if spend_last else 0.0), customer_id
        assert row["NECESSITIES_SHARE"] == pytest.approx(float(necessities / spend_last) if spend_last else 0.0)
        opened = date.fromisoformat(customers.loc[customer_id, "account_open_date"])
        tenure = relativedelta(AS_OF, opened)
        assert row["TENURE_MONTHS"] == tenure.years * 12 + tenure.months, customer_id
        assert row["CARD_TYPE"] == customers.loc[customer_id, "card_type"], customer_id
        assert row["CUSTOMER_SEGMENT"] == reference_segment(row["CARD_TYPE"], spend_last, spend_prior, travel,
                                                            necessities, tenure.years * 12 + tenure.months), customer_id


def reference_segment(card: str, last: Decimal, prior: Decimal, travel: Decimal, necessities: Decimal,
                      tenure_months: int) -> str:
    """The five rules of seed 003 §2.3 in the documented precedence, written independently."""
    monthly = float(last) / 3
    change = float((last - prior) / prior) if prior else None
    if card in PREMIUM_CARD_TYPES and monthly >= 5000 and last and float(travel / last) >= 0.25:
        return "High-Value Travelers"
    if prior > 0 and change <= -0.30:
        return "Declining"
    if tenure_months < 6 and ((change is not None and change >= 0.50) or (prior == 0 and last > 0)):
        return "New & Growing"
    if monthly < 1500 and last and float(necessities / last) >= 0.60:
        return "Budget-Conscious"
    return "Stable Mid-Spenders"
