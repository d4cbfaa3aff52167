"""What a run shows and returns: the live progress lines, the run summary, the nightly table."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from c360_pipeline.orchestration.dag import Step
from c360_pipeline.orchestration.procedures import OK_STATUSES
from c360_pipeline.steps import StepResult


@dataclass
class RunSummary:
    """What one run of the DAG did: every step's result, the first failure and whether all went well."""

    run_id: str
    as_of: date | None
    results: list[StepResult] = field(default_factory=list)
    finalizer: StepResult | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[StepResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def failed_step(self) -> str | None:
        return self.failed[0].step if self.failed else None

    @property
    def reason(self) -> str | None:
        return self.failed[0].message if self.failed else None

    @property
    def ok(self) -> bool:
        return all(r.status in OK_STATUSES for r in self.results)

    @property
    def rows_processed(self) -> int:
        return sum(int(r.rows_out) for r in self.results if r.status in OK_STATUSES)

    def result(self, step: str) -> StepResult | None:
        return next((r for r in self.results if r.step == step), None)

    def headline(self) -> str:
        done = sum(1 for r in self.results if r.status in OK_STATUSES)
        if self.ok:
            return f"run {self.run_id}: {done} step(s) succeeded in {self.seconds:.1f} s"
        skipped = [r.step for r in self.results if r.status == "skipped"]
        text = f"run {self.run_id}: step '{self.failed_step}' failed: {self.reason}"
        if skipped:
            text += f" — not run: {', '.join(skipped)}"
        return text + f" ({done} step(s) succeeded and were kept)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "ok": self.ok,
            "failed_step": self.failed_step,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "steps": [asdict(r) for r in self.results],
            "finalizer": asdict(self.finalizer) if self.finalizer else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str, sort_keys=True)


class Progress:
    """Live table of steps (status, rows, seconds) on a terminal; one line per step elsewhere."""

    def __init__(self, console: Any, steps: list[Step], summary: RunSummary):
        self.console = console
        self.steps = steps
        self.summary = summary
        self.running: Step | None = None
        self.running_since = 0.0
        self.live = None

    def __enter__(self) -> "Progress":
        if self.console is not None and self.console.is_terminal:
            from rich.live import Live

            self.live = Live(self, console=self.console, refresh_per_second=4, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)
            self.live = None

    def starting(self, step: Step) -> None:
        self.running = step
        self.running_since = time.perf_counter()

    def finished(self, result: StepResult) -> None:
        self.running = None
        if self.console is not None and self.live is None:
            self.console.print(_line(result), highlight=False)

    def __rich__(self):
        return self.table(live=True)

    def table(self, live: bool = False):
        from rich.table import Table

        table = Table(title=f"c360 run {self.summary.run_id}" + (f" as of {self.summary.as_of}" if self.summary.as_of else ""))
        for column in ("step", "status", "rows in", "rows out", "rejected", "seconds"):
            table.add_column(column, justify="right" if column not in {"step", "status"} else "left")
        for step in self.steps:
            result = self.summary.result(step.name)
            if result is not None:
                table.add_row(step.name, _styled(result.status), f"{result.rows_in:,}", f"{result.rows_out:,}",
                              f"{result.rows_rejected:,}", f"{result.seconds:.1f}")
            elif live and self.running is not None and self.running.name == step.name:
                table.add_row(step.name, "[cyan]running[/]", "", "", "", f"{time.perf_counter() - self.running_since:.1f}")
            else:
                table.add_row(step.name, "[dim]pending[/]", "", "", "", "")
        return table

    def done(self) -> None:
        if self.console is None:
            return
        if self.live is not None or self.console.is_terminal:
            self.console.print(self.table())
        colour = "green" if self.summary.ok else "red"
        self.console.print(f"[{colour}]{self.summary.headline()}[/]", highlight=False)


def _styled(status: str) -> str:
    return {"succeeded": "[green]succeeded[/]", "warning": "[yellow]warning[/]", "failed": "[red]failed[/]",
            "skipped": "[dim]skipped[/]"}.get(status, status)


def _line(result: StepResult) -> str:
    text = (f"{result.step:<22} {_styled(f'{result.status:<9}')} in {result.rows_in:>9,}  out {result.rows_out:>9,}  "
            f"rejected {result.rows_rejected:>6,}  {result.seconds:6.1f} s")
    if result.status in {"failed", "warning"} and result.message:
        text += f"  {result.message}"
    return text


@dataclass
class NightlySummary:
    """One DAG run per simulated day, with the rows each day processed."""

    days: list[RunSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.days) and all(day.ok for day in self.days)

    def rows_by_day(self) -> list[tuple[date | None, int, int]]:
        """(day, new bronze rows, rows written by all steps) per day."""
        rows = []
        for day in self.days:
            ingest = day.result("ingest_bronze")
            rows.append((day.as_of, int(ingest.rows_out) if ingest else 0, day.rows_processed))
        return rows

    def render(self, console: Any) -> None:
        from rich.table import Table

        table = Table(title="nightly runs")
        for column in ("day", "status", "new raw rows", "rows processed", "seconds"):
            table.add_column(column, justify="left" if column in {"day", "status"} else "right")
        for day, (as_of, new_rows, processed) in zip(self.days, self.rows_by_day()):
            table.add_row(str(as_of), _styled("succeeded" if day.ok else "failed"), f"{new_rows:,}",
                          f"{processed:,}", f"{day.seconds:.1f}")
        console.print(table)
