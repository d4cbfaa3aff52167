"""Marts on tiny explicit gold inputs: segment rules at their thresholds and precedence, windows, tenure,
hero metrics, month-over-month boundaries, the profile's grain and churn columns, and the contracts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from snowflake.snowpark.types import (
    DateType,
    DoubleType,
    StringType,
    StructField,
    StructType,
)

from c360_pipeline.catalog import CATEGORY_BY_NAME
from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts import contract_for
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.ml.scoring import PREDICTIONS_SCHEMA
from c360_pipeline.steps import marts
from c360_pipeline.transforms import common
from c360_pipeline.transforms import segments as segments_transforms
from c360_pipeline.transforms.dimensions import (
    DIM_DATE_SCHEMA,
    DIM_MERCHANT_CATEGORY_SCHEMA,
    calendar_days,
    merchant_categories,
)

AS_OF = date(2025, 6, 30)  # last window: 2025-04-02..2025-06-30, prior window: 2025-01-02..2025-04-01
OLD = date(2020, 1, 1)     # an account far older than six months

FCT_SCHEMA = contract_for("GOLD", "FCT_TRANSACTIONS").columns
DIM_CUSTOMER_SCHEMA = contract_for("GOLD", "DIM_CUSTOMER").columns


class World:
    """Hand-written gold inputs: customer versions and transactions."""

    def __init__(self) -> None:
        self.customers: list[dict] = []
        self.transactions: list[dict] = []

    def customer(self, cid: str, card: str = "Gold", opened: date = OLD, limit: str = "10000.00", *,
                 key: int | None = None, current: bool = True, valid_from: date | None = None,
                 valid_to: date = date(9999, 12, 31)) -> str:
        self.customers.append({
            "CUSTOMER_KEY": key if key is not None else len(self.customers) + 1, "CUSTOMER_ID": cid,
            "FIRST_NAME": "Ada", "LAST_NAME": cid, "FULL_NAME": f"Ada {cid}", "EMAIL": f"{cid.lower()}@example.com",
            "AGE": 40, "STATE": "TX", "CITY": "Austin", "EMPLOYMENT_STATUS": "Employed", "CARD_TYPE": card,
            "CREDIT_LIMIT": Decimal(limit), "ACCOUNT_OPEN_DATE": opened, "ROW_HASH": card,
            "VALID_FROM": valid_from or opened, "VALID_TO": valid_to, "IS_CURRENT": current,
            "UPDATED_AT": datetime(2025, 1, 1),
        })
        return cid

    def spend(self, cid: str, day: date, amount: str, category: str = "Restaurants", status: str = "approved") -> None:
        number = len(self.transactions) + 1
        key = next(c["CUSTOMER_KEY"] for c in reversed(self.customers) if c["CUSTOMER_ID"] == cid)
        self.transactions.append({
            "TRANSACTION_KEY": number, "TRANSACTION_ID": f"T{number:05d}", "CUSTOMER_KEY": key, "CUSTOMER_ID": cid,
            "DATE_KEY": int(f"{day:%Y%m%d}"), "MERCHANT_CATEGORY_KEY": CATEGORY_BY_NAME[category].key,
            "MERCHANT_CATEGORY": category, "MERCHANT_NAME": "Shop", "TRANSACTION_AMOUNT": Decimal(amount),
            "STATUS": status, "CHANNEL": "Online", "TRANSACTION_DATE": datetime.combine(day, datetime.min.time()),
            "_BATCH_ID": "20250630",
        })

    def windows(self, cid: str, last: str, prior: str, *, travel: str = "0", necessities: str = "0") -> None:
        """Spend in the last window (split into travel, necessities and dining) and in the prior window."""
        other = Decimal(last) - Decimal(travel) - Decimal(necessities)
        for amount, category in ((travel, "Airlines"), (necessities, "Grocery Stores"), (str(other), "Restaurants")):
            if Decimal(amount) > 0:
                self.spend(cid, date(2025, 5, 15), amount, category)
        if Decimal(prior) > 0:
            self.spend(cid, date(2025, 2, 15), prior)

    def write(self, warehouse: Warehouse) -> None:
        """The gold tables the marts read; DIM_DATE spans the first transaction day through as_of, as dim_date builds it."""
        as_of = warehouse.cfg.as_of
        days = [t["TRANSACTION_DATE"].date() for t in self.transactions] or [as_of]
        warehouse.write_pandas(calendar_days(min(days), max(days + [as_of])), DIM_DATE_SCHEMA, "GOLD", "DIM_DATE")
        warehouse.write_pandas(pd.DataFrame(self.customers), DIM_CUSTOMER_SCHEMA, "GOLD", "DIM_CUSTOMER")
        warehouse.write_pandas(pd.DataFrame(self.transactions, columns=[f.name for f in FCT_SCHEMA.fields]),
                               FCT_SCHEMA, "GOLD", "FCT_TRANSACTIONS")
        warehouse.write_pandas(merchant_categories(), DIM_MERCHANT_CATEGORY_SCHEMA, "GOLD", "DIM_MERCHANT_CATEGORY")

    def frames(self, warehouse: Warehouse):
        customers = warehouse.dataframe(pd.DataFrame(self.customers), DIM_CUSTOMER_SCHEMA)
        facts = warehouse.dataframe(pd.DataFrame(self.transactions, columns=[f.name for f in FCT_SCHEMA.fields]),
                                    FCT_SCHEMA)
        categories = warehouse.dataframe(merchant_categories(), DIM_MERCHANT_CATEGORY_SCHEMA)
        return customers, facts, categories


@pytest.fixture(scope="module")
def module_session():
    active = local_session()
    yield active
    active.close()


def rows_of(frame) -> pd.DataFrame:
    """A lazy frame's rows in pandas, as collected (money as Decimal, exactly as computed)."""
    return pd.DataFrame([row.as_dict() for row in frame.collect()])


def module_warehouse(session, home: Path, as_of: date = AS_OF) -> Warehouse:
    return Warehouse.of(session, PipelineConfig.build(home=home, as_of=as_of, customers=50, seed=7))


# --- segments --------------------------------------------------------------------------------------

def window_spend(facts, categories):
    """The segment step's spend per customer, from an in-memory fact."""
    return segments_transforms.window_spend(facts, categories, AS_OF, 90)


# customer id -> (expected segment, why)
SEGMENT_CASES: dict[str, str] = {}


def segment_world() -> World:
    world = World()

    def case(cid: str, expected: str, card: str = "Gold", opened: date = OLD) -> str:
        SEGMENT_CASES[cid] = expected
        return world.customer(cid, card, opened)

    # High-Value Travelers: premium card, >= 5,000 a month (15,000 in 90 days), >= 25 % travel.
    world.windows(case("HVT_AT_THRESHOLDS", "High-Value Travelers", "Premium"), "15000.00", "15000.00", travel="3750.00")
    world.windows(case("HVT_PLATINUM", "High-Value Travelers", "Platinum"), "20000.00", "20000.00", travel="10000.00")
    world.windows(case("HVT_SPEND_JUST_BELOW", "Stable Mid-Spenders", "Premium"), "14999.97", "14999.97", travel="3750.00")
    world.windows(case("HVT_TRAVEL_JUST_BELOW", "Stable Mid-Spenders", "Premium"), "15000.00", "15000.00", travel="3749.99")
    world.windows(case("HVT_NOT_PREMIUM_CARD", "Stable Mid-Spenders", "Gold"), "20000.00", "20000.00", travel="10000.00")
    # Declining: prior > 0 and change <= -30 %.
    world.windows(case("DECLINE_AT_THRESHOLD", "Declining"), "700.00", "1000.00")
    world.windows(case("DECLINE_JUST_ABOVE", "Stable Mid-Spenders"), "700.01", "1000.00")
    world.windows(case("DECLINE_TO_NOTHING", "Declining"), "0", "1000.00")
    # New & Growing: tenure < 6 whole months and (change >= +50 % or first spend in the last window).
    new = date(2025, 1, 15)  # 5 whole months on 2025-06-30
    world.windows(case("NEW_GROWTH_AT_THRESHOLD", "New & Growing", opened=new), "1500.00", "1000.00")
    world.windows(case("NEW_GROWTH_JUST_BELOW", "Stable Mid-Spenders", opened=new), "1499.99", "1000.00")
    world.windows(case("NEW_FIRST_SPEND", "New & Growing", opened=new), "500.00", "0")
    world.windows(case("NEW_TENURE_EXACTLY_6", "Stable Mid-Spenders", opened=date(2024, 12, 30)), "2000.00", "1000.00")
    world.windows(case("NEW_TENURE_MONTH_END_6", "Stable Mid-Spenders", opened=date(2024, 12, 31)), "2000.00", "1000.00")
    world.windows(case("NEW_TENURE_JUST_UNDER_6", "New & Growing", opened=date(2025, 1, 1)), "2000.00", "1000.00")
    world.windows(case("OLD_GROWTH", "Stable Mid-Spenders"), "3000.00", "1000.00")
    # Budget-Conscious: < 1,500 a month (4,500 in 90 days) and >= 60 % necessities.
    world.windows(case("BUDGET_AT_SHARE", "Budget-Conscious"), "4000.00", "4000.00", necessities="2400.00")
    world.windows(case("BUDGET_SHARE_JUST_BELOW", "Stable Mid-Spenders"), "4000.00", "4000.00", necessities="2399.99")
    world.windows(case("BUDGET_SPEND_JUST_BELOW", "Budget-Conscious"), "4499.97", "4499.97", necessities="4499.97")
    world.windows(case("BUDGET_SPEND_AT_LIMIT", "Stable Mid-Spenders"), "4500.00", "4500.00", necessities="4500.00")
    # Precedence: High-Value Travelers > Declining > New & Growing > Budget-Conscious.
    world.windows(case("PRECEDENCE_HVT_OVER_DECLINING", "High-Value Travelers", "Premium"), "15000.00", "30000.00",
                  travel="7500.00")
    world.windows(case("PRECEDENCE_HVT_OVER_NEW", "High-Value Travelers", "Platinum", new), "15000.00", "0",
                  travel="4500.00")
    world.windows(case("PRECEDENCE_DECLINING_OVER_BUDGET", "Declining"), "1500.00", "3000.00", necessities="1500.00")
    world.windows(case("PRECEDENCE_NEW_OVER_BUDGET", "New & Growing", opened=new), "600.00", "0", necessities="600.00")
    # Windows: no spend at all; declined and out-of-window transactions are ignored.
    case("NO_TRANSACTIONS", "Stable Mid-Spenders")
    world.windows(case("DECLINED_IGNORED", "Declining"), "700.00", "1000.00")
    world.spend("DECLINED_IGNORED", date(2025, 5, 20), "900.00", status="declined")
    world.windows(case("AFTER_AS_OF_IGNORED", "Declining"), "700.00", "1000.00")
    world.spend("AFTER_AS_OF_IGNORED", date(2025, 7, 1), "900.00")
    # Window edges: 2025-04-01 is the prior window's last day, 2025-04-02 the last window's first;
    # 2025-01-01 is before the prior window, 2025-01-02 its first day.
    case("WINDOW_EDGES", "Stable Mid-Spenders")
    for day, amount in ((date(2025, 4, 2), "10.00"), (date(2025, 4, 1), "20.00"),
                        (date(2025, 1, 2), "40.00"), (date(2025, 1, 1), "80.00"), (AS_OF, "160.00")):
        world.spend("WINDOW_EDGES", day, amount)
    return world


SEGMENT_WORLD = segment_world()  # fills SEGMENT_CASES at import, for parametrisation


@pytest.fixture(scope="module")
def segments(module_session, tmp_path_factory) -> pd.DataFrame:
    warehouse = module_warehouse(module_session, tmp_path_factory.mktemp("segments"))
    customers, facts, categories = SEGMENT_WORLD.frames(warehouse)
    spend = window_spend(facts, categories)
    thresholds = warehouse.cfg.segments
    frame = rows_of(segments_transforms.customer_segments(common.current_customers(customers), spend, AS_OF, thresholds))
    return frame.set_index("CUSTOMER_ID")


@pytest.mark.parametrize("customer_id", list(SEGMENT_CASES))
def test_segment_rule(segments, customer_id):
    assert segments.loc[customer_id, "CUSTOMER_SEGMENT"] == SEGMENT_CASES[customer_id]


def test_segments_one_row_per_customer_with_assignment_time(segments):
    assert sorted(segments.index) == sorted(SEGMENT_CASES)
    assert set(segments["SEGMENT_ASSIGNED_AT"]) == {pd.Timestamp(AS_OF)}


def test_segment_inputs_of_a_customer_without_transactions_are_zero_not_null(segments):
    row = segments.loc["NO_TRANSACTIONS"]
    assert float(row["SPEND_LAST_90_DAYS"]) == 0 and float(row["SPEND_PRIOR_90_DAYS"]) == 0
    assert row["TRAVEL_SHARE"] == 0 and row["NECESSITIES_SHARE"] == 0 and row["AVG_MONTHLY_SPEND"] == 0
    assert pd.isna(row["SPEND_CHANGE_PCT"])


def test_window_edges_are_half_open(segments):
    row = segments.loc["WINDOW_EDGES"]
    assert row["SPEND_LAST_90_DAYS"] == Decimal("170.00")   # 04-02 and as_of
    assert row["SPEND_PRIOR_90_DAYS"] == Decimal("60.00")   # 04-01 and 01-02, not 01-01


def test_segment_inputs_computed_from_approved_spend(segments):
    row = segments.loc["HVT_AT_THRESHOLDS"]
    assert row["AVG_MONTHLY_SPEND"] == pytest.approx(5000.0)
    assert row["TRAVEL_SHARE"] == pytest.approx(0.25)
    assert row["SPEND_CHANGE_PCT"] == pytest.approx(0.0)
    declined = segments.loc["DECLINED_IGNORED"]
    assert declined["SPEND_LAST_90_DAYS"] == Decimal("700.00")
    assert declined["SPEND_CHANGE_PCT"] == pytest.approx(-0.30)
    assert segments.loc["AFTER_AS_OF_IGNORED", "SPEND_LAST_90_DAYS"] == Decimal("700.00")


@pytest.mark.parametrize(
    "customer_id, months",
    [("NEW_TENURE_EXACTLY_6", 6), ("NEW_TENURE_MONTH_END_6", 6), ("NEW_TENURE_JUST_UNDER_6", 5),
     ("NEW_FIRST_SPEND", 5), ("NO_TRANSACTIONS", 65)],
)
def test_tenure_counts_whole_months(segments, customer_id, months):
    assert segments.loc[customer_id, "TENURE_MONTHS"] == months


TENURE_EDGES = [  # (opened, as_of): the day of month reached or not, and shorter months
    (date(2024, 12, 15), date(2025, 6, 14)), (date(2024, 12, 15), date(2025, 6, 15)),
    (date(2024, 12, 31), date(2025, 6, 29)), (date(2024, 12, 31), date(2025, 6, 30)),
    (date(2025, 1, 31), date(2025, 2, 28)), (date(2025, 1, 30), date(2025, 2, 27)),
    (date(2024, 1, 31), date(2024, 2, 29)), (date(2025, 6, 30), date(2025, 6, 30)),
]


def test_whole_months_agree_with_relativedelta(module_session, tmp_path):
    from dateutil.relativedelta import relativedelta
    from snowflake.snowpark import functions as F

    warehouse = module_warehouse(module_session, tmp_path)
    opened = warehouse.dataframe(pd.DataFrame({"OPENED": [o for o, _ in TENURE_EDGES]}),
                                 StructType([StructField("OPENED", DateType())]))
    for (start, as_of) in TENURE_EDGES:
        got = opened.filter(F.col("OPENED") == F.lit(start)).select(
            common.whole_months_between(F.col("OPENED"), as_of).alias("M")).collect()[0]["M"]
        delta = relativedelta(as_of, start)
        assert got == delta.years * 12 + delta.months, (start, as_of)


def test_thresholds_come_from_config(module_session, tmp_path):
    warehouse = module_warehouse(module_session, tmp_path)
    world = World()
    world.windows(world.customer("C1", "Premium"), "9000.00", "9000.00", travel="3000.00")  # 3,000 a month
    customers, facts, categories = world.frames(warehouse)
    spend = window_spend(facts, categories)
    lowered = warehouse.cfg.segments.model_copy(update={"high_value_monthly_spend": 3000.0})
    default = segments_transforms.customer_segments(customers, spend, AS_OF, warehouse.cfg.segments).collect()[0]
    custom = segments_transforms.customer_segments(customers, spend, AS_OF, lowered).collect()[0]
    assert (default["CUSTOMER_SEGMENT"], custom["CUSTOMER_SEGMENT"]) == ("Stable Mid-Spenders", "High-Value Travelers")


# --- hero metrics ----------------------------------------------------------------------------------

def metrics_world() -> World:
    world = World()
    world.customer("STEADY", opened=date(2025, 1, 1))
    for day, amount in ((date(2025, 1, 31), "10.00"), (date(2025, 2, 1), "20.00"),
                        (date(2025, 4, 10), "30.00"), (date(2025, 4, 11), "40.00")):
        world.spend("STEADY", day, amount)
    world.spend("STEADY", date(2025, 2, 2), "1000.00", status="declined")
    world.customer("ONCE", opened=date(2025, 6, 20))
    world.spend("ONCE", date(2025, 6, 25), "99.99")
    world.customer("ERRATIC", opened=AS_OF)
    world.spend("ERRATIC", date(2025, 6, 30), "1.00")
    world.spend("ERRATIC", date(2025, 6, 30), "1000.00")
    world.customer("LATE_STARTER")
    world.spend("LATE_STARTER", date(2025, 5, 3), "50.00")
    world.customer("NOTHING")
    return world


@pytest.fixture(scope="module")
def hero_metrics(module_session, tmp_path_factory) -> dict[str, pd.DataFrame]:
    home = tmp_path_factory.mktemp("metrics")
    warehouse = module_warehouse(module_session, home)
    metrics_world().write(warehouse)
    result = marts.run_hero_metrics(module_session, warehouse.cfg)
    assert result.status == "succeeded"
    return {table: warehouse.to_pandas("GOLD", table)
            for table in ("METRIC_CUSTOMER_LTV", "METRIC_AVG_TRANSACTION_VALUE", "METRIC_MOM_SPEND_CHANGE")}


def test_lifetime_value_counts_approved_transactions_only(hero_metrics):
    ltv = hero_metrics["METRIC_CUSTOMER_LTV"].set_index("CUSTOMER_ID")
    steady = ltv.loc["STEADY"]
    assert steady["LIFETIME_VALUE"] == Decimal("100.00") and steady["TOTAL_TRANSACTIONS"] == 4
    assert steady["FIRST_TRANSACTION_DATE"] == date(2025, 1, 31)
    assert steady["LAST_TRANSACTION_DATE"] == date(2025, 4, 11)
    assert steady["TENURE_DAYS"] == 180 and steady["AVG_SPEND_PER_DAY"] == pytest.approx(100 / 180)


def test_lifetime_value_keeps_customers_without_transactions(hero_metrics):
    ltv = hero_metrics["METRIC_CUSTOMER_LTV"].set_index("CUSTOMER_ID")
    assert sorted(ltv.index) == ["ERRATIC", "LATE_STARTER", "NOTHING", "ONCE", "STEADY"]
    nothing = ltv.loc["NOTHING"]
    assert nothing["LIFETIME_VALUE"] == 0 and nothing["TOTAL_TRANSACTIONS"] == 0
    assert pd.isna(nothing["FIRST_TRANSACTION_DATE"]) and pd.isna(nothing["LAST_TRANSACTION_DATE"])


def test_spend_per_day_of_an_account_opened_on_as_of_divides_by_one_day(hero_metrics):
    erratic = hero_metrics["METRIC_CUSTOMER_LTV"].set_index("CUSTOMER_ID").loc["ERRATIC"]
    assert erratic["TENURE_DAYS"] == 0 and erratic["AVG_SPEND_PER_DAY"] == pytest.approx(1001.0)


def test_average_transaction_value_distribution(hero_metrics):
    atv = hero_metrics["METRIC_AVG_TRANSACTION_VALUE"].set_index("CUSTOMER_ID")
    assert sorted(atv.index) == ["ERRATIC", "LATE_STARTER", "ONCE", "STEADY"]
    steady = atv.loc["STEADY"]
    stddev = pd.Series([10.0, 20.0, 30.0, 40.0]).std()
    assert steady["AVG_TRANSACTION_VALUE"] == pytest.approx(25.0)
    assert steady["MEDIAN_TRANSACTION_VALUE"] == pytest.approx(25.0)
    assert (steady["MIN_TRANSACTION_VALUE"], steady["MAX_TRANSACTION_VALUE"]) == (Decimal("10.00"), Decimal("40.00"))
    assert steady["STDDEV_TRANSACTION_VALUE"] == pytest.approx(stddev)
    assert steady["SPENDING_CONSISTENCY"] == pytest.approx(1 - stddev / 25.0)


def test_spending_consistency_is_clipped_and_undefined_for_one_transaction(hero_metrics):
    atv = hero_metrics["METRIC_AVG_TRANSACTION_VALUE"].set_index("CUSTOMER_ID")
    assert atv.loc["ERRATIC", "SPENDING_CONSISTENCY"] == 0.0  # stddev 706 > mean 500.5
    assert pd.isna(atv.loc["ONCE", "STDDEV_TRANSACTION_VALUE"]) and pd.isna(atv.loc["ONCE", "SPENDING_CONSISTENCY"])


def _months(hero_metrics, customer_id: str) -> pd.DataFrame:
    mom = hero_metrics["METRIC_MOM_SPEND_CHANGE"]
    return mom[mom["CUSTOMER_ID"] == customer_id].sort_values("MONTH_KEY").set_index("MONTH_KEY")


def test_month_over_month_across_month_end_and_gap_month(hero_metrics):
    months = _months(hero_metrics, "STEADY")
    # Jan 31 and Feb 1 fall in different months; nobody spends in March; STEADY stops after April.
    assert list(months.index) == [202501, 202502, 202503, 202504, 202505, 202506]
    assert [float(v) for v in months["MONTHLY_SPEND"]] == [10.0, 20.0, 0.0, 70.0, 0.0, 0.0]
    assert pd.isna(months.loc[202501, "PRIOR_MONTH_SPEND"])
    assert [float(v) for v in months["PRIOR_MONTH_SPEND"].iloc[1:]] == [10.0, 20.0, 0.0, 70.0, 0.0]
    assert [float(v) for v in months["SPEND_CHANGE_AMOUNT"].iloc[1:]] == [10.0, -20.0, 70.0, -70.0, 0.0]
    pct = months["SPEND_CHANGE_PCT"]
    assert pct.loc[202502] == pytest.approx(1.0) and pct.loc[202503] == pytest.approx(-1.0)
    assert pd.isna(pct.loc[202504]) and pd.isna(pct.loc[202506])  # prior month 0: no percentage
    assert months["MONTH_START"].tolist()[:2] == [date(2025, 1, 1), date(2025, 2, 1)]
    assert months["IS_COMPLETE_MONTH"].all()  # as_of 2025-06-30 is a month end


def test_month_over_month_starts_at_the_customers_first_month(hero_metrics):
    months = _months(hero_metrics, "LATE_STARTER")
    assert list(months.index) == [202505, 202506]
    assert pd.isna(months.loc[202505, "PRIOR_MONTH_SPEND"]) and pd.isna(months.loc[202505, "SPEND_CHANGE_PCT"])
    assert _months(hero_metrics, "NOTHING").empty


def test_month_over_month_excludes_declined_spend(hero_metrics):
    assert _months(hero_metrics, "STEADY").loc[202502, "MONTHLY_SPEND"] == Decimal("20.00")


def test_month_of_a_mid_month_as_of_is_incomplete(module_session, tmp_path):
    warehouse = module_warehouse(module_session, tmp_path, as_of=date(2025, 6, 15))
    world = World()
    world.customer("C1")
    world.spend("C1", date(2025, 5, 31), "5.00")
    world.spend("C1", date(2025, 6, 1), "7.00")
    world.spend("C1", date(2025, 6, 16), "100.00")  # after as_of
    world.write(warehouse)
    marts.run_hero_metrics(module_session, warehouse.cfg)
    months = warehouse.to_pandas("GOLD", "METRIC_MOM_SPEND_CHANGE").set_index("MONTH_KEY")
    assert months["IS_COMPLETE_MONTH"].to_dict() == {202505: True, 202506: False}
    assert months.loc[202506, "MONTHLY_SPEND"] == Decimal("7.00")
    assert common.latest_complete_month(date(2025, 6, 15)) == date(2025, 5, 1)


# --- profile ---------------------------------------------------------------------------------------

def profile_world() -> World:
    world = World()
    # Two SCD2 versions: the profile shows the current one (Platinum, key 200).
    world.customer("UPGRADED", "Standard", key=100, current=False, valid_from=OLD, valid_to=date(2025, 3, 1))
    world.customer("UPGRADED", "Platinum", limit="50000.00", key=200, valid_from=date(2025, 3, 1))
    world.windows("UPGRADED", "15000.00", "15000.00", travel="6000.00")
    world.customer("SHRINKING", limit="2000.00")
    world.windows("SHRINKING", "600.00", "1200.00")
    world.customer("SILENT")
    return world


@pytest.fixture(scope="module")
def profile_home(module_session, tmp_path_factory):
    warehouse = module_warehouse(module_session, tmp_path_factory.mktemp("profile"))
    profile_world().write(warehouse)
    for runner in (marts.run_customer_segments, marts.run_hero_metrics, marts.run_customer_360_profile):
        assert runner(module_session, warehouse.cfg).status == "succeeded"
    return warehouse


def test_profile_has_one_row_per_current_customer(profile_home):
    profile = profile_home.to_pandas("GOLD", "CUSTOMER_360_PROFILE").set_index("CUSTOMER_ID")
    assert sorted(profile.index) == ["SHRINKING", "SILENT", "UPGRADED"]
    upgraded = profile.loc["UPGRADED"]
    assert (upgraded["CUSTOMER_KEY"], upgraded["CARD_TYPE"], upgraded["CREDIT_LIMIT"]) == (200, "Platinum", Decimal("50000.00"))
    assert upgraded["CUSTOMER_SEGMENT"] == "High-Value Travelers"
    assert upgraded["LIFETIME_VALUE"] == Decimal("30000.00")  # spend under both versions counts


def test_profile_of_a_customer_without_transactions(profile_home):
    silent = profile_home.to_pandas("GOLD", "CUSTOMER_360_PROFILE").set_index("CUSTOMER_ID").loc["SILENT"]
    assert silent["LIFETIME_VALUE"] == 0 and silent["TOTAL_TRANSACTIONS"] == 0 and silent["LAST_MONTH_SPEND"] == 0
    assert pd.isna(silent["DAYS_SINCE_LAST_TRANSACTION"]) and pd.isna(silent["AVG_TRANSACTION_VALUE"])
    assert silent["CUSTOMER_SEGMENT"] == "Stable Mid-Spenders"
    assert not silent["IS_RETENTION_TARGET"] and not silent["IS_UPSELL_TARGET"]


def test_profile_kpis_and_flags_without_churn_predictions(profile_home):
    profile = profile_home.to_pandas("GOLD", "CUSTOMER_360_PROFILE").set_index("CUSTOMER_ID")
    shrinking = profile.loc["SHRINKING"]
    assert shrinking["CUSTOMER_SEGMENT"] == "Declining" and shrinking["IS_RETENTION_TARGET"]
    assert shrinking["CREDIT_UTILIZATION_PCT"] == pytest.approx(200 / 2000 * 100)
    assert shrinking["DAYS_SINCE_LAST_TRANSACTION"] == (AS_OF - date(2025, 5, 15)).days
    assert shrinking["LAST_MONTH_SPEND"] == 0 and shrinking["MOM_SPEND_CHANGE_PCT"] == pytest.approx(-1.0)
    assert profile.loc["UPGRADED", "IS_UPSELL_TARGET"]
    assert profile[["CHURN_PROBABILITY", "CHURN_RISK_SCORE", "CHURN_RISK_CATEGORY", "MODEL_VERSION"]].isna().all().all()
    types = {f.name: type(f.datatype) for f in profile_home.read("GOLD", "CUSTOMER_360_PROFILE").schema.fields}
    assert (types["CHURN_RISK_SCORE"], types["CHURN_RISK_CATEGORY"]) == (DoubleType, StringType)


def test_profile_takes_the_latest_prediction_on_or_before_as_of(module_session, profile_home):
    predictions = pd.DataFrame([
        {"CUSTOMER_ID": "SILENT", "PREDICTION_DATE": date(2025, 5, 31), "CHURN_PROBABILITY": 0.2,
         "CHURN_RISK_SCORE": 20.0, "CHURN_RISK_CATEGORY": "Low Risk", "IS_PREDICTED_CHURN": False, "MODEL_VERSION": "v1"},
        {"CUSTOMER_ID": "SILENT", "PREDICTION_DATE": AS_OF, "CHURN_PROBABILITY": 0.9,
         "CHURN_RISK_SCORE": 90.0, "CHURN_RISK_CATEGORY": "High Risk", "IS_PREDICTED_CHURN": True, "MODEL_VERSION": "v2"},
        {"CUSTOMER_ID": "SILENT", "PREDICTION_DATE": date(2025, 7, 31), "CHURN_PROBABILITY": 0.1,
         "CHURN_RISK_SCORE": 10.0, "CHURN_RISK_CATEGORY": "Low Risk", "IS_PREDICTED_CHURN": False, "MODEL_VERSION": "v3"},
        {"CUSTOMER_ID": "UPGRADED", "PREDICTION_DATE": AS_OF, "CHURN_PROBABILITY": 0.5,
         "CHURN_RISK_SCORE": 50.0, "CHURN_RISK_CATEGORY": "Medium Risk", "IS_PREDICTED_CHURN": False, "MODEL_VERSION": "v2"},
    ])
    profile_home.write_pandas(predictions, PREDICTIONS_SCHEMA, "GOLD", "CHURN_PREDICTIONS")
    try:
        marts.run_customer_360_profile(module_session, profile_home.cfg)
        profile = profile_home.to_pandas("GOLD", "CUSTOMER_360_PROFILE").set_index("CUSTOMER_ID")
    finally:
        module_session.sql(f"DROP TABLE IF EXISTS {profile_home.name('GOLD', 'CHURN_PREDICTIONS')}").collect()
        marts.run_customer_360_profile(module_session, profile_home.cfg)
    silent = profile.loc["SILENT"]
    assert (silent["CHURN_RISK_CATEGORY"], silent["MODEL_VERSION"], silent["CHURN_RISK_SCORE"]) == ("High Risk", "v2", 90.0)
    assert silent["IS_RETENTION_TARGET"]
    assert profile.loc["UPGRADED", "CHURN_RISK_CATEGORY"] == "Medium Risk"
    assert pd.isna(profile.loc["SHRINKING", "CHURN_RISK_CATEGORY"])  # never scored


# --- contracts -------------------------------------------------------------------------------------

MART_TABLES = ("CUSTOMER_SEGMENTS", "METRIC_CUSTOMER_LTV", "METRIC_MOM_SPEND_CHANGE",
               "METRIC_AVG_TRANSACTION_VALUE", "CUSTOMER_360_PROFILE")


@pytest.mark.parametrize("table", MART_TABLES)
def test_contract_holds(profile_home, table):
    contract = contract_for("GOLD", table)
    tables = profile_home.read
    failing = {check.name: check.failing_rows(tables("GOLD", table), tables) for check in contract.checks()}
    assert failing and all(count == 0 for count in failing.values()), failing


def test_lifetime_value_invariant_catches_a_wrong_value(profile_home):
    ltv = profile_home.to_pandas("GOLD", "METRIC_CUSTOMER_LTV")
    ltv.loc[ltv["CUSTOMER_ID"] == "SHRINKING", "LIFETIME_VALUE"] = Decimal("1.00")
    schema = profile_home.read("GOLD", "METRIC_CUSTOMER_LTV").schema
    tampered = profile_home.dataframe(ltv, schema)
    check = next(c for c in contract_for("GOLD", "METRIC_CUSTOMER_LTV").checks() if c.name.endswith("sum_of_approved"))
    assert check.failing_rows(tampered, profile_home.read) == 1


def test_profile_grain_invariant_catches_a_missing_customer(profile_home):
    profile = profile_home.read("GOLD", "CUSTOMER_360_PROFILE")
    check = next(c for c in contract_for("GOLD", "CUSTOMER_360_PROFILE").checks() if c.name.endswith("current_customer"))
    assert check.failing_rows(profile.filter(profile["CUSTOMER_ID"] != "SILENT"), profile_home.read) == 1


def test_month_over_month_statement_does_not_grow_with_history(tmp_path):
    """Months are rows of a spine joined to the spend, not one SELECT per month: two months of history and
    thirty compile to statements of the same size."""
    sizes = {}
    for months in (2, 30):
        session = local_session()
        try:
            warehouse = module_warehouse(session, tmp_path / f"history-{months}")
            world = World()
            world.customer("C1")
            for k in range(months):  # the 10th of each month, back from June 2025
                world.spend("C1", date(2025 - (k + 6) // 12, 12 - (k + 6) % 12, 10), "10.00")
            world.write(warehouse)
            with session.query_history() as history:
                marts.run_hero_metrics(session, warehouse.cfg)
            table = warehouse.name("GOLD", "METRIC_MOM_SPEND_CHANGE")
            sizes[months] = sum(len(q.sql_text) for q in history.queries if table in q.sql_text)
            assert len(warehouse.to_pandas("GOLD", "METRIC_MOM_SPEND_CHANGE")) == months
        finally:
            session.close()
    assert sizes[2] == sizes[30], sizes
