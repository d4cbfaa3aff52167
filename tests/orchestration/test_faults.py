"""Faults a run must survive without losing or doubling a row, proved on real `c360 run` processes.

One small world (40 customers, about 19 months of transactions) is built once without faults: the
reference. Every faulted home gets the same raw files (a fault on a finished home starts from a copy of
the reference home) and must end with the same tables, compared by row count and a content hash per
table (`snapshot`):

* kill -9 at the start of every DAG step (and of the finalizer), chained: the first run is killed as
  ingest_bronze starts, the plain `c360 run` after it as stage_silver starts, and so on; the last
  plain run finishes. While one run works, a second `c360 run` and `c360 ask` are turned away.
* `c360 run --only STEP` of every step on the finished home changes nothing.
* a write that hits the file-size limit (RLIMIT_FSIZE: the kernel's EFBIG, as on a full disk) fails its
  step and leaves the previous tables readable and unchanged; the next run completes them.
* a database file the run may not write (read-only file) stops the run at once with a clear message;
  the tables stay readable.
* a raw file with a malformed row in the middle of a batch and a truncated last line: the bad rows are
  quarantined in SILVER.REJECTED_RECORDS, the rest of the batch loads.

The fault × step → result table is printed at the end of the module's tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from c360_pipeline import cli
from c360_pipeline.generator import generate_world
from c360_pipeline.orchestration import dag, runlock

CUSTOMERS, SEED, AS_OF = 40, 7, date(2025, 6, 30)
WORLD = ["--customers", str(CUSTOMERS), "--seed", str(SEED)]
STEPS = [step.name for step in dag.topological_order()]
KILL_POINTS = [*STEPS, dag.FINALIZER.name]
# The step the turned-away commands are tried in: the longest of this world's run (training, ~4 s; churn features
# take ~1.5 s, which a cold `c360 ask` in the same process could outlast)
BUSY_STEP = "train_churn_model"

# Columns that hold when a run happened, not what it computed: they differ between any two runs.
RUN_TIME_COLUMNS = {
    "_LOADED_AT": "load time of a bronze row",
    "LOADED_AT": "load time of a raw file (OPS.LOADED_FILES)",
    "PROCESSED_AT": "when silver processed a batch (OPS.SILVER_BATCHES)",
    "REJECTED_AT": "when a record was refused (SILVER.REJECTED_RECORDS)",
    "TRAINED_AT": "when the churn model was trained (GOLD.CHURN_MODEL_METRICS)",
    "CHECKED_AT": "when a data-quality check ran (OPS.DQ_RESULTS)",
    "RUN_ID": "the run's id (OPS.DQ_RESULTS)",
}
# OPS ledgers whose rows record runs rather than data: two homes with the same tables hold different rows
# there whenever they took a different number of runs (a killed chain took fifteen, `--only` adds one each
# time). Every other table — business tables and the ledgers of what was loaded and staged
# (OPS.LOADED_FILES, OPS.SILVER_BATCHES, OPS.BATCH_ACCOUNTING) — must be identical, all rows compared.
PER_RUN_TABLES = {
    # One row per step per run. Compared instead: the last run's steps all succeeded (`all_succeeded`).
    "OPS.PIPELINE_RUNS": "one row per step per run",
    # One row per check per run that ran data_quality; a run of another step alone adds none, and a killed
    # chain holds the checks of every run that got that far. Compared instead: the latest checks, the
    # verdict on the tables as they stand (`LATEST_RUN_TABLES`).
    "OPS.DQ_RESULTS": "one row per data-quality check per run that ran data_quality",
}
LATEST_RUN_TABLES = {"OPS.DQ_RESULTS"}

RESULTS: list[tuple[str, str, str]] = []


# --------------------------------------------------------------------------------------------
# homes, runs and snapshots


@pytest.fixture(scope="module", autouse=True)
def fault_table(request):
    """Print the fault × step → result table after the module's tests."""
    yield
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    if reporter is None or not RESULTS:
        return
    width = max(len(fault) for fault, _, _ in RESULTS)
    step_width = max(len(step) for _, step, _ in RESULTS)
    lines = ["", f"{'fault':<{width}}  {'step':<{step_width}}  result"]
    lines += [f"{fault:<{width}}  {step:<{step_width}}  {result}" for fault, step, result in RESULTS]
    # Written past pytest's output capture, so the table shows when every test passed too.
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        for line in lines:
            reporter.write_line(line)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """The raw files every home starts from (what `c360 run` generates for this scale and seed)."""
    raw = tmp_path_factory.mktemp("world") / "raw"
    generate_world(raw, customers=CUSTOMERS, seed=SEED, as_of=AS_OF, dirty_rate=0.01)
    return raw


@pytest.fixture(scope="module")
def new_home(world, tmp_path_factory):
    def make(name: str) -> Path:
        home = tmp_path_factory.mktemp(name) / "home"
        shutil.copytree(world, home / "raw")
        return home

    return make


def c360(*args: str) -> list[str]:
    return [sys.executable, "-m", "c360_pipeline.cli", *args]


def run_command(home: Path, *extra: str, file_size_limit: int | None = None) -> subprocess.CompletedProcess:
    """`c360 run` on the home in its own process (with a file-size limit: RLIMIT_FSIZE, as on a full disk)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run(
        c360("run", "--home", str(home), *WORLD, *extra), capture_output=True, text=True, timeout=900,
        env=child_environment(), preexec_fn=limit if file_size_limit is not None else None,
    )


def child_environment() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}


def snapshot(home: Path) -> dict[str, tuple[int, str]]:
    """Row count and content hash of every table of the home (run-time columns left out), and its models."""
    tables: dict[str, tuple[int, str]] = {}
    with contextlib.closing(duckdb.connect(str(home / "C360.db"), read_only=True)) as duck:
        names = duck.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'C360' "
            "AND table_type = 'BASE TABLE' AND table_schema IN ('BRONZE', 'SILVER', 'GOLD', 'OPS') ORDER BY 1, 2"
        ).fetchall()
        for schema, table in names:
            name = f"{schema}.{table}"
            if name in PER_RUN_TABLES and name not in LATEST_RUN_TABLES:
                continue
            columns = [
                row[0] for row in duck.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'C360' "
                    "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, table]
                ).fetchall()
                if row[0] not in RUN_TIME_COLUMNS
            ]
            # The latest run's rows of a per-run ledger; every row of any other table.
            where = (f" WHERE RUN_ID = (SELECT RUN_ID FROM C360.{schema}.{table} ORDER BY CHECKED_AT DESC, RUN_ID DESC "
                     "LIMIT 1)") if name in LATEST_RUN_TABLES else ""
            rows = duck.execute(
                f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} FROM C360.{schema}.{table}{where}"
            ).fetchall()
            tables[name] = (len(rows), digest(rows))
    models = sorted(p.name for p in (home / "models").iterdir()) if (home / "models").exists() else []
    tables["models/"] = (len(models), digest([tuple(models)]))
    return tables


def last_run_id(duck) -> str | None:
    row = duck.execute(
        "SELECT RUN_ID FROM C360.OPS.PIPELINE_RUNS WHERE STEP = ? ORDER BY STARTED_AT DESC LIMIT 1",
        [dag.FINALIZER.name],
    ).fetchall()
    return row[0][0] if row else None


def last_run_statuses(home: Path) -> dict[str, str]:
    with contextlib.closing(duckdb.connect(str(home / "C360.db"), read_only=True)) as duck:
        run = last_run_id(duck)
        return dict(duck.execute("SELECT STEP, STATUS FROM C360.OPS.PIPELINE_RUNS WHERE RUN_ID = ?", [run]).fetchall())


def digest(rows: list[tuple]) -> str:
    """An order-free hash of rows: each row as text, sorted, hashed."""
    lines = sorted("\x1f".join(_text(value) for value in row) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _text(value: object) -> str:
    if value is None:
        return "∅"
    if isinstance(value, float):
        # A sum of doubles taken in another order differs in its last bits (DuckDB's parallel
        # aggregates, like Snowflake's, fix no order): 12 significant digits are the computed value.
        return f"{value:.12g}"
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def differences(actual: dict, expected: dict) -> list[str]:
    return [
        f"{name}: {actual.get(name)} (reference {expected.get(name)})"
        for name in sorted(set(actual) | set(expected))
        if actual.get(name) != expected.get(name)
    ]


def all_succeeded(home: Path) -> bool:
    return set(last_run_statuses(home).values()) <= {"succeeded", "warning"}


@pytest.fixture(scope="module")
def reference_home(new_home) -> Path:
    """A home built by one uninterrupted run (left as it is: tests that fault a finished home copy it)."""
    home = new_home("reference")
    completed = run_command(home)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert all_succeeded(home)
    return home


@pytest.fixture(scope="module")
def reference(reference_home) -> dict[str, tuple[int, str]]:
    """The tables of one uninterrupted run."""
    return snapshot(reference_home)


@pytest.fixture(scope="module")
def finished_home(reference_home, tmp_path_factory):
    """A copy of the reference home: a finished home, as a run leaves it (database, landing stage, models)."""

    def make(name: str) -> Path:
        home = tmp_path_factory.mktemp(name) / "home"
        shutil.copytree(reference_home, home)
        return home

    return make


# --------------------------------------------------------------------------------------------
# kill -9 at the start of every step


class Victim:
    """A `c360 run` in its own process, watched through the step its run lock says it is at."""

    def __init__(self, home: Path, log: Path):
        self.home = home
        self.log = log
        self.output = log.open("w")
        self.process = subprocess.Popen(c360("run", "--home", str(home), *WORLD), stdout=self.output,
                                        stderr=subprocess.STDOUT, env=child_environment())

    def wait_for_step(self, step: str) -> None:
        """Return as soon as the run's lock says it has started `step` (fail if it ends or passes it first)."""
        order = KILL_POINTS.index(step)
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the run ended (exit {self.process.returncode}) before {step}:\n{self.text()}")
            holder = runlock.holder(self.home)
            if holder is not None and holder.pid == self.process.pid and holder.step in KILL_POINTS:
                at = KILL_POINTS.index(holder.step)
                if at == order:
                    return
                if at > order:
                    pytest.fail(f"missed the start of {step}: the run is already at {holder.step}")
            time.sleep(0.002)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        self.output.close()

    def text(self) -> str:
        if not self.output.closed:
            self.output.flush()
        return self.log.read_text()


def finished_steps(output: str) -> list[str]:
    """The steps a run's progress output reports as finished (one line per step off a terminal)."""
    return [line.split()[0] for line in output.splitlines()
            if len(line.split()) > 1 and line.split()[0] in KILL_POINTS and line.split()[1] in {"succeeded", "warning"}]


@pytest.fixture(scope="module")
def resumed_home(new_home, tmp_path_factory) -> Path:
    """A home whose runs were killed at the start of each step in turn, then finished by a plain run."""
    home = new_home("killed")
    logs = tmp_path_factory.mktemp("logs")
    for number, step in enumerate(KILL_POINTS, start=1):
        victim = Victim(home, logs / f"run{number}.log")
        victim.wait_for_step(step)
        note = ""
        if step == BUSY_STEP:  # the longest step: while it runs, other commands are turned away
            note = turned_away(home, victim.process.pid)
            victim.wait_for_step(step)
        victim.kill()
        output = victim.text()
        assert victim.process.returncode == -signal.SIGKILL
        assert step not in finished_steps(output), f"{step} finished before the kill:\n{output}"
        if number > 1:
            assert "cleared a stale run lock" in output, output
        assert runlock.holder(home) is None  # the kernel let the killed run's lock go
        RESULTS.append(("kill -9 at step start", step, f"killed in {step}; steps before it done again{note}"))
    completed = run_command(home)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "cleared a stale run lock" in completed.stdout
    return home


def turned_away(home: Path, pid: int) -> str:
    """While a run works, a second `c360 run` (a writer) and `c360 ask` (a reader) are told who is working."""
    for command, code, says in (
        (["run", "--home", str(home), *WORLD], 3, f"at step {BUSY_STEP}"),
        (["ask", "how many customers", "--home", str(home)], 3, "is writing to"),
    ):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert cli.main(command) == code, printed.getvalue()
        text = " ".join(printed.getvalue().split())
        assert f"pid {pid}" in text and says in text, text
    return "; meanwhile a second c360 run and c360 ask exited 3 naming it"


def test_kill_9_at_the_start_of_every_step_then_a_plain_run_ends_as_an_uninterrupted_run(resumed_home, reference):
    assert all_succeeded(resumed_home)
    assert differences(snapshot(resumed_home), reference) == []
    RESULTS.append(("kill -9 at step start", "(all, chained)", "plain c360 run after the last kill: tables identical"))


# --------------------------------------------------------------------------------------------
# --only STEP on a finished home changes nothing


def ledger_rows(home: Path) -> dict[str, int]:
    """Rows in each per-run ledger of the home."""
    with contextlib.closing(duckdb.connect(str(home / "C360.db"), read_only=True)) as duck:
        return {name: duck.execute(f"SELECT COUNT(*) FROM C360.{name}").fetchall()[0][0] for name in PER_RUN_TABLES}


def test_rerunning_any_step_alone_changes_nothing(resumed_home, reference, capsys):
    for step in STEPS:
        before = ledger_rows(resumed_home)
        assert cli.main(["run", "--home", str(resumed_home), *WORLD, "--only", step]) == 0, capsys.readouterr().out
        # The run is recorded as what it was: this one step and the finalizer, both done.
        assert last_run_statuses(resumed_home).keys() == {step, dag.FINALIZER.name}
        assert all_succeeded(resumed_home), last_run_statuses(resumed_home)
        after = ledger_rows(resumed_home)
        assert after["OPS.PIPELINE_RUNS"] == before["OPS.PIPELINE_RUNS"] + 2
        # Only data_quality records checks; its new verdict is compared with the reference's below.
        assert (after["OPS.DQ_RESULTS"] > before["OPS.DQ_RESULTS"]) == (step == "data_quality"), (step, before, after)
        changed = differences(snapshot(resumed_home), reference)
        RESULTS.append(("c360 run --only", step, "same hashes" if not changed else "CHANGED: " + "; ".join(changed)))
        assert changed == [], f"--only {step} changed: {changed}"


# --------------------------------------------------------------------------------------------
# writes that fail: the file-size limit and a database the run may not write


def test_a_write_beyond_the_file_size_limit_fails_its_step_and_keeps_the_previous_tables(finished_home, reference):
    """With RLIMIT_FSIZE the kernel refuses a write past the limit (EFBIG, as a full disk does)."""
    home = finished_home("limited")
    before = snapshot(home)
    assert before == reference
    limited = run_command(home, file_size_limit=64 * 1024)
    assert limited.returncode != 0, limited.stdout
    assert "File too large" in limited.stdout + limited.stderr, limited.stdout + limited.stderr
    failed = failed_step(limited.stdout)
    assert differences(snapshot(home), before) == []  # every table readable, as it was
    completed = run_command(home)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert differences(snapshot(home), reference) == []
    RESULTS.append(("file-size limit 64 KiB (EFBIG)", failed,
                    "step failed naming the error; previous tables readable and unchanged; next run completes"))


def test_a_first_build_stopped_by_the_file_size_limit_is_completed_by_the_next_run(new_home, reference):
    home = new_home("first-build-limited")
    limited = run_command(home, file_size_limit=2 * 1024 * 1024)
    assert limited.returncode != 0, limited.stdout
    assert "File too large" in limited.stdout + limited.stderr, limited.stdout + limited.stderr
    failed = failed_step(limited.stdout)
    completed = run_command(home)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert differences(snapshot(home), reference) == []
    RESULTS.append(("file-size limit 2 MiB, first build", failed, "step failed; next run ends as the reference"))


def failed_step(output: str) -> str:
    for line in output.splitlines():
        words = line.split()
        if len(words) > 1 and words[1] == "failed" and words[0] in KILL_POINTS:
            return words[0]
    return "(session)"


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """The file cannot be opened for writing: read-only mode, and immutable for root (whom modes do not stop)."""
    mode = path.stat().st_mode
    path.chmod(0o444)
    immutable = os.geteuid() == 0
    if immutable:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def test_a_database_the_run_may_not_write_stops_it_with_a_clear_message(finished_home):
    home = finished_home("read-only")
    before = snapshot(home)
    database = home / "C360.db"
    with unwritable(database):
        refused = run_command(home)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        message = " ".join(refused.stdout.split())
        assert str(database) in message and "busy" not in message and "Traceback" not in refused.stderr, message
        assert differences(snapshot(home), before) == []
    RESULTS.append(("database file not writable", "(session)", "run stops at once naming the file; tables readable"))


# --------------------------------------------------------------------------------------------
# a corrupt raw file mid-batch


def test_a_malformed_row_and_a_truncated_line_are_quarantined_and_the_rest_of_the_batch_loads(new_home, capsys):
    home = new_home("corrupt")
    source = sorted((home / "raw").glob("transactions_*.csv"))[0]
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    malformed = ",".join(f"junk{i}" for i in range(20)) + "\n"  # 20 fields where the header has 8
    truncated = lines[-1][: len(lines[-1]) // 3]  # the last record cut short, as an interrupted copy leaves it
    lines = [*lines[:middle], malformed, *lines[middle:-1], truncated]
    source.write_text("".join(lines), encoding="utf-8")
    good_ids = {line.split(",")[0] for line in lines[1:] if line not in (malformed, truncated)}

    for step in ("ingest_bronze", "stage_silver"):
        cli.main(["run", "--home", str(home), *WORLD, "--only", step])
    output = capsys.readouterr().out
    with contextlib.closing(duckdb.connect(str(home / "C360.db"), read_only=True)) as duck:
        staged = {row[0] for row in duck.execute("SELECT TRANSACTION_ID FROM C360.SILVER.STG_TRANSACTIONS").fetchall()}
        quarantined = duck.execute(
            "SELECT ROW_NUMBER, REJECT_REASON FROM C360.SILVER.REJECTED_RECORDS WHERE SOURCE_FILE = ?",
            [source.name],
        ).fetchall()
        rejected_ids = {row[0] for row in duck.execute(
            "SELECT RECORD_KEY FROM C360.SILVER.REJECTED_RECORDS WHERE SOURCE_FILE = ?", [source.name]).fetchall()}
    # Every good row ends up staged or (dirty data the generator planted) rejected by a rule; none is lost.
    assert good_ids - staged - rejected_ids - {"", None} == set(), output
    # The malformed line (data row `middle`, file line middle + 1) and the truncated last one are quarantined.
    rows = {row for row, _reason in quarantined}
    assert rows & {middle, middle + 1}, (quarantined, output)
    assert rows & {len(lines) - 1, len(lines)}, (quarantined, output)
    RESULTS.append(("malformed row + truncated line mid-batch", "ingest_bronze → stage_silver",
                    "bad rows in SILVER.REJECTED_RECORDS, the rest of the file staged"))
