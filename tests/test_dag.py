"""The DAG declaration and the snowflake.core task graph built from it, checked offline (nothing is deployed)."""

from __future__ import annotations

import json

import pytest

from c360_pipeline import dag
from c360_pipeline.config import PipelineConfig

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
