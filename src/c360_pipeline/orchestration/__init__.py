"""Orchestration: the DAG declared once, the procedure body every step runs through, the local runner, progress and the run lock."""
