"""The DAG declaration and the snowflake.core task graph built from it, checked offline (nothing is deployed)."""

from __future__ import annotations

import json
import warnings

import pytest

from c360_pipeline.config import PipelineConfig
from c360_pipeline.orchestration import dag

EXPECTED_EDGES = {
    ("ingest_bronze", "stage_silver"),
    ("stage_silver", "dim_date"),
    ("stage_silver", "dim_merchant_category"),
    ("stage_silver", "dim_customer"),
    ("dim_date", "fct_transactions"),
    ("dim_merchant_category", "fct_transactions"),
    ("dim_customer", "fct_transactions"),
    ("fct_transactions", "customer_segments"),
    ("fct_transactions", "hero_metrics"),
    ("customer_segments", "churn_features"),
    ("hero_metrics", "churn_features"),
    ("churn_features", "train_churn_model"),
    ("train_churn_model", "score_churn"),
    ("score_churn", "customer_360_profile"),
    ("customer_360_profile", "data_quality"),
    ("load_docs", "data_quality"),
}


def edges_of(steps) -> set[tuple[str, str]]:
    return {(dependency, step.name) for step in steps for dependency in step.depends_on}


def test_declared_edges_are_the_pipeline_of_the_architecture():
    assert edges_of(dag.STEPS) == EXPECTED_EDGES
    assert dag.STEPS[0].name == "ingest_bronze" and dag.STEPS[-1].name == "data_quality"


def test_every_runner_path_names_module_and_function_of_its_layer():
    for step in dag.STEPS + (dag.FINALIZER,):
        module, function = step.runner.split(":")
        assert module.startswith("c360_pipeline.")
        assert function == f"run_{step.name}"


def test_topological_order_puts_every_step_after_its_dependencies():
    order = [s.name for s in dag.topological_order()]
    assert sorted(order) == sorted(s.name for s in dag.STEPS)
    for before, after in EXPECTED_EDGES:
        assert order.index(before) < order.index(after)


def test_topological_order_refuses_a_cycle():
    looped = (dag.Step("a", "m:run_a", ("b",)), dag.Step("b", "m:run_b", ("a",)))
    with pytest.raises(ValueError, match="cycle"):
        dag.topological_order(looped)


def test_downstream_of_a_middle_step():
    assert dag.downstream_of("churn_features") == {
        "train_churn_model", "score_churn", "customer_360_profile", "data_quality",
    }
    assert dag.downstream_of("data_quality") == set()


def test_step_named_accepts_dashes_and_lists_valid_names_when_unknown():
    assert dag.step_named("hero-metrics").name == "hero_metrics"
    with pytest.raises(KeyError, match="ingest_bronze"):
        dag.step_named("nope")


def test_task_graph_has_one_task_per_step_with_the_same_edges():
    cfg = PipelineConfig()
    graph = dag.build_task_dag(cfg)
    tasks = {task.name: task._to_low_level_task() for task in graph.tasks}
    assert set(tasks) == {s.task_name for s in dag.STEPS} | {"RECORD_RUN"}
    for step in dag.STEPS:
        task = tasks[step.task_name]
        expected = {f"C360_NIGHTLY${d.upper()}" for d in step.depends_on} or {"C360_NIGHTLY"}
        assert set(task.predecessors) == expected, step.name
        assert task.definition == f"CALL C360.OPS.{step.name.upper()}_SP('{{}}')"
        assert task.warehouse == "C360_WH"


def test_task_graph_finalizer_records_the_run_and_has_no_predecessor():
    graph = dag.build_task_dag(PipelineConfig())
    finalizer = graph.get_finalizer_task()
    assert finalizer is not None and finalizer.name == "RECORD_RUN"
    low = finalizer._to_low_level_task()
    assert low.finalize == "C360_NIGHTLY"
    assert not low.predecessors
    assert low.definition == "CALL C360.OPS.RECORD_RUN_SP('{}')"


def test_task_graph_schedule_defaults_to_two_am_utc_and_is_configurable():
    root = dag.build_task_dag(PipelineConfig())._to_low_level_task()
    assert (root.schedule.expr, root.schedule.timezone) == ("0 2 * * *", "UTC")
    assert root.warehouse == "C360_WH"
    other = dag.build_task_dag(PipelineConfig(warehouse="NIGHT_WH"), schedule="30 4 * * 1-5")._to_low_level_task()
    assert other.schedule.expr == "30 4 * * 1-5" and other.warehouse == "NIGHT_WH"


def test_task_bodies_carry_non_default_names_as_json():
    cfg = PipelineConfig(database="ANALYTICS", gold_schema="MARTS")
    statement = dag.call_statement(dag.STEP_BY_NAME["hero_metrics"], cfg)
    assert statement.startswith("CALL ANALYTICS.OPS.HERO_METRICS_SP('")
    argument = statement[len("CALL ANALYTICS.OPS.HERO_METRICS_SP('"):-2]
    assert json.loads(argument) == {"database": "ANALYTICS", "gold_schema": "MARTS"}
    rebuilt = PipelineConfig.build(**json.loads(argument))
    assert rebuilt.table("GOLD", "X") == "ANALYTICS.MARTS.X"


def test_render_text_lists_every_step_its_procedure_and_the_finalizer():
    text = dag.render_text()
    for step in dag.STEPS:
        assert f"CALL C360.OPS.{step.procedure}" in text
    assert "record_run" in text and "finalizer" in text
    assert "0 2 * * *" in text


def test_render_mermaid_has_one_arrow_per_edge_and_a_dotted_finalizer_link():
    text = dag.render_mermaid()
    assert text.startswith("flowchart TD")
    arrows = {tuple(line.strip().split(" --> ")) for line in text.splitlines() if " --> " in line}
    assert arrows == EXPECTED_EDGES
    assert "data_quality -.->|always| record_run" in text


# ----------------------------------------------------------------------------------------------
# Re-deploying the graph: snowflake.core's own DAGOperation against an in-memory task store that stands in
# for a schema of a live account (none exists here).


class InMemoryTasks:
    """The tasks of one schema, with the rules of Snowflake's task API that a re-deploy runs into:
    creating an existing task fails unless replaced, a child needs its predecessors (a finalizer its
    root), a root reports its finalizer in TASK_RELATIONS, and TASK_DEPENDENTS lists the root, every task
    downstream of it and its finalizer."""

    def __init__(self, database: str = "C360", schema: str = "OPS"):
        self.database, self.schema = database, schema
        self.tasks: dict[str, object] = {}
        self.state: dict[str, str] = {}

    # schema.tasks.create(task, mode=...)
    def create(self, task, *, mode=None):
        from snowflake.core import CreateMode
        from snowflake.core.exceptions import ConflictError

        mode = CreateMode[mode] if mode is not None else CreateMode.error_if_exists
        if task.name in self.tasks:
            if mode is CreateMode.if_not_exists:
                return self[task.name]
            if mode is CreateMode.error_if_exists:
                raise ConflictError(None, 409, f"task {task.name} already exists")
        for predecessor in (task.predecessors or []) + ([task.finalize] if task.finalize else []):
            if predecessor not in self.tasks:
                raise ValueError(f"task {task.name} names {predecessor}, which does not exist")
        self.tasks[task.name] = task
        self.state[task.name] = "suspended"
        return self[task.name]

    def __getitem__(self, name: str) -> "InMemoryTask":
        return InMemoryTask(self, name)

    def finalizer_of(self, root: str) -> str | None:
        return next((n for n, t in self.tasks.items() if t.finalize == root), None)

    def dependents(self, root: str) -> list[str]:
        found, frontier = [root], {root}
        while frontier:
            frontier = {n for n, t in self.tasks.items() if set(t.predecessors or []) & frontier} - set(found)
            found += sorted(frontier)
        finalizer = self.finalizer_of(root)
        return found + ([finalizer] if finalizer else [])


class InMemoryTask:
    def __init__(self, store: InMemoryTasks, name: str):
        self.store, self.name = store, name

    def _exists(self):
        from snowflake.core.exceptions import NotFoundError

        if self.name not in self.store.tasks:
            raise NotFoundError(None, 404, f"task {self.name} does not exist")

    def fetch(self):
        import copy

        self._exists()
        task = copy.copy(self.store.tasks[self.name])
        task.state = self.store.state[self.name]
        finalizer = self.store.finalizer_of(self.name)
        task.task_relations = json.dumps(
            {"FinalizerTask": f"{self.store.database}.{self.store.schema}.{finalizer}"} if finalizer else {})
        return task

    def fetch_task_dependents(self, **_):
        self._exists()
        return [InMemoryTask(self.store, name).fetch() for name in self.store.dependents(self.name)]

    def suspend(self):
        self._exists()
        self.store.state[self.name] = "suspended"

    def resume(self):
        self._exists()
        self.store.state[self.name] = "started"

    def drop(self, if_exists=None):
        self._exists()
        del self.store.tasks[self.name]
        del self.store.state[self.name]


class NoTelemetry:
    """snowflake.core reports each API call to the account; there is no account to report to."""

    _telemetry_client = None

    def __init__(self):
        self._telemetry_client = self

    def safe_send(self, *_, **__):
        return None


class InMemorySchema:
    def __init__(self):
        self.tasks = InMemoryTasks()
        self.root = NoTelemetry()


def deploy_without_deprecations(schema, graph):
    from c360_pipeline.deploy import deploy_task_graph

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        deploy_task_graph(schema, graph)
    # snowflake.core warns when a graph is dropped keeping its finalizer, a behaviour it deprecates.
    deprecated = [str(w.message) for w in caught if "drop_finalizer" in str(w.message)]
    assert not deprecated, deprecated


def declared_task_names(graph) -> set[str]:
    return {graph.name} | {task.full_name for task in graph.tasks}


def test_redeploying_the_graph_on_an_in_memory_task_store_leaves_exactly_the_declared_tasks():
    schema = InMemorySchema()
    cfg = PipelineConfig()
    graph = dag.build_task_dag(cfg)
    deploy_without_deprecations(schema, graph)
    assert set(schema.tasks.tasks) == declared_task_names(graph)
    assert set(schema.tasks.state.values()) == {"started"}
    assert schema.tasks.finalizer_of("C360_NIGHTLY") == "C360_NIGHTLY$RECORD_RUN"

    # Twice: the same tasks, none duplicated, none left suspended.
    deploy_without_deprecations(schema, dag.build_task_dag(cfg))
    assert set(schema.tasks.tasks) == declared_task_names(graph)
    assert set(schema.tasks.state.values()) == {"started"}


def test_redeploying_after_an_edit_rolls_out_bodies_and_removes_tasks_no_longer_declared(monkeypatch):
    schema = InMemorySchema()
    deploy_without_deprecations(schema, dag.build_task_dag(PipelineConfig()))

    # The declaration loses its last step and the task bodies change (a non-default setting).
    shorter = tuple(step for step in dag.STEPS if step.name != "data_quality")
    monkeypatch.setattr(dag, "STEPS", shorter)
    edited = dag.build_task_dag(PipelineConfig(warehouse="NIGHT_WH"))
    deploy_without_deprecations(schema, edited)

    assert set(schema.tasks.tasks) == declared_task_names(edited)
    assert "C360_NIGHTLY$DATA_QUALITY" not in schema.tasks.tasks
    finalizer = schema.tasks.tasks["C360_NIGHTLY$RECORD_RUN"]
    assert finalizer.definition == 'CALL C360.OPS.RECORD_RUN_SP(\'{"warehouse":"NIGHT_WH"}\')'
    assert {t.warehouse for t in schema.tasks.tasks.values()} == {"NIGHT_WH"}


def test_in_memory_task_store_refuses_what_the_account_refuses():
    from snowflake.core.exceptions import ConflictError
    from snowflake.core.task import Task

    store = InMemorySchema().tasks
    store.create(Task(name="ROOT", definition="SELECT 1"))
    with pytest.raises(ConflictError):
        store.create(Task(name="ROOT", definition="SELECT 2"))
    with pytest.raises(ValueError, match="does not exist"):
        store.create(Task(name="ROOT$CHILD", definition="SELECT 1", predecessors=["ROOT$MISSING"]))
