"""`c360 deploy` creates GOLD.DT_CUSTOMER_DAILY_SPEND with snowflake-core's DynamicTable; checked against a fake
schema resource in place of an account."""

from __future__ import annotations

import sqlglot
from snowflake.core import CreateMode
from snowflake.core.dynamic_table import DynamicTable, UserDefinedLag

from c360_pipeline import deploy
from c360_pipeline.config import PipelineConfig
from c360_pipeline.streaming import daily_spend


class FakeDynamicTables:
    """Stands in for `SchemaResource.dynamic_tables` (a DynamicTableCollection): records what is created."""

    def __init__(self):
        self.created: list[tuple[DynamicTable, CreateMode]] = []

    def create(self, table, *, mode=CreateMode.error_if_exists, **_options):
        self.created.append((table, mode))


class FakeSchema:
    """A fake snowflake.core schema resource: only its dynamic table collection."""

    def __init__(self):
        self.dynamic_tables = FakeDynamicTables()


def test_deploy_creates_the_dynamic_table_incremental_with_its_lag_and_warehouse_on_a_fake_schema():
    cfg = PipelineConfig(database="ACME", warehouse="ACME_WH")
    schema = FakeSchema()
    deploy.deploy_dynamic_table(schema, daily_spend.dynamic_table_resource(cfg))
    [(table, mode)] = schema.dynamic_tables.created
    assert mode == CreateMode.or_replace
    assert isinstance(table, DynamicTable) and table.name == "DT_CUSTOMER_DAILY_SPEND"
    assert table.target_lag == UserDefinedLag(seconds=60)
    assert (table.refresh_mode, table.warehouse, table.initialize) == ("INCREMENTAL", "ACME_WH", "ON_CREATE")
    assert [c.name for c in table.columns] == ["CUSTOMER_ID", "SPEND_DATE", "APPROVED_SPEND", "TRANSACTION_COUNT",
                                               "DECLINED_COUNT", "LAST_EVENT_AT"]
    # The query is Snowflake SQL over the configured database's fact and stream tables.
    parsed = sqlglot.parse_one(table.query, read="snowflake")
    tables = {f"{t.catalog}.{t.db}.{t.name}" for t in parsed.find_all(sqlglot.exp.Table) if t.db}
    assert tables == {"ACME.GOLD.FCT_TRANSACTIONS", "ACME.BRONZE.RAW_TRANSACTIONS_STREAM"}
    # The resource serialises as the REST API takes it.
    body = table.to_dict()
    assert body["target_lag"] == {"type": "USER_DEFINED", "seconds": 60} and body["refresh_mode"] == "INCREMENTAL"


def test_the_deploy_plan_creates_the_dynamic_table_after_the_task_graph_and_before_the_app():
    plan = deploy.build_plan(PipelineConfig())
    kinds = [a.kind for a in plan.actions]
    position = kinds.index("dynamic_table")
    assert kinds.index("task_graph") < position < kinds.index("streamlit")
    action = plan.actions[position]
    assert action.name == "C360.GOLD.DT_CUSTOMER_DAILY_SPEND"
    assert "TARGET_LAG = '60 seconds' REFRESH_MODE = INCREMENTAL WAREHOUSE = C360_WH" in action.detail


def test_the_stream_table_ddl_matches_the_local_stream_table():
    from c360_pipeline.streaming.events import STREAM_SCHEMA

    text = (deploy.repository_root() / "sql" / "04_tables.sql").read_text()
    ddl = text[text.index("C360.BRONZE.RAW_TRANSACTIONS_STREAM"):]
    ddl = ddl[ddl.index("(") + 1:ddl.index(") CHANGE_TRACKING")]
    assert [line.strip().split()[0] for line in ddl.strip().splitlines()] == STREAM_SCHEMA.names
