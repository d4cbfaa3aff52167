"""One writer per home: the run lock refuses a second writer at once, names the holder, and outlives no run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from c360_pipeline import cli, engine
from c360_pipeline.orchestration import runlock
from c360_pipeline.orchestration.runlock import HomeBusy, RunLock

# A writer of the home in another process: takes the lock as `c360 run` does, optionally writes the
# database, says "held", and lets go when told to (or is killed).
WRITER = """
import sys
from c360_pipeline.orchestration import runlock
from c360_pipeline.engine.sessions import local_session
home, write = sys.argv[1], sys.argv[2] == "write"
lock = runlock.RunLock(home, "c360 run --home " + home).acquire()
lock.note_step("churn_features")
session = None
if write:
    session = local_session(home)
    session.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    session.sql("CREATE OR REPLACE TABLE C360.GOLD.T AS SELECT 1 AS K").collect()
print("held", flush=True)
sys.stdin.readline()
if session is not None:
    session.close()
lock.release()
print("released", flush=True)
"""


class Writer:
    """A process holding the home's run lock until `finish` or `kill`."""

    def __init__(self, home: Path, write: bool = False):
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(home), "write" if write else "lock"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline().strip()
        assert line == "held", f"the writer did not start: {line!r}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def finish(self) -> None:
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "released"
        self.process.wait(timeout=60)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill()


@pytest.fixture()
def writer(tmp_path: Path):
    started: list[Writer] = []

    def start(home: Path, write: bool = False) -> Writer:
        started.append(Writer(home, write))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def test_a_second_writer_stops_at_once_naming_pid_host_command_and_since(tmp_path: Path, writer):
    home = tmp_path / "home"
    held = writer(home)
    with pytest.raises(HomeBusy) as refused:
        RunLock(home, "c360 run").acquire()
    message = str(refused.value)
    assert f"pid {held.pid} on {socket.gethostname()}" in message
    assert f"`c360 run --home {home}`" in message and "since 20" in message and "at step churn_features" in message
    assert refused.value.holder.pid == held.pid
    assert isinstance(refused.value, engine.DatabaseBusy)  # the command line's exit code 3
    assert runlock.holder(home).pid == held.pid


def test_the_lock_is_free_again_once_the_holder_finishes(tmp_path: Path, writer):
    home = tmp_path / "home"
    writer(home).finish()
    assert runlock.holder(home) is None
    with RunLock(home, "c360 run") as lock:
        assert lock.stale is None  # a finished run leaves nothing to clear
        assert runlock.holder(home).command == "c360 run"
    assert runlock.lock_file(home).read_text() == ""


def test_a_lock_left_by_a_killed_run_is_detected_and_cleared(tmp_path: Path, writer):
    home = tmp_path / "home"
    killed = writer(home)
    killed.kill()  # kill -9: the kernel lets the lock go; the holder details stay in the file
    assert str(killed.pid) in runlock.lock_file(home).read_text()
    assert runlock.holder(home) is None
    with RunLock(home, "c360 run") as lock:
        assert lock.stale is not None and lock.stale.pid == killed.pid and lock.stale.step == "churn_features"
        assert runlock.holder(home).pid == os.getpid()


def test_the_command_line_clears_a_stale_lock_and_says_so(tmp_path: Path, writer, capsys):
    home = tmp_path / "home"
    killed = writer(home)
    killed.kill()
    assert cli.main(["clean", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "cleared a stale run lock" in out and f"pid {killed.pid}" in out
    assert not home.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--customers", "5"],
        ["run", "--days", "1", "--customers", "5"],
        ["clean"],
    ],
    ids=["run", "nightly", "clean"],
)
def test_writer_commands_on_a_held_home_exit_3_and_touch_nothing(tmp_path: Path, writer, capsys, command):
    home = tmp_path / "home"
    held = writer(home)
    assert cli.main([*command, "--home", str(home)]) == 3
    out = capsys.readouterr().out
    assert f"pid {held.pid}" in " ".join(out.split())
    assert sorted(p.name for p in home.iterdir()) == ["run.lock"]  # nothing generated, nothing removed


def test_generating_into_a_held_homes_raw_directory_exits_3(tmp_path: Path, writer, capsys):
    home = tmp_path / "home"
    held = writer(home)
    assert cli.main(["generate", "--customers", "5", "--out", str(home / "raw")]) == 3
    assert f"pid {held.pid}" in " ".join(capsys.readouterr().out.split())
    assert not (home / "raw").exists()
    # Anywhere else, generating needs no lock.
    assert cli.main(["generate", "--customers", "5", "--out", str(tmp_path / "elsewhere")]) == 0


def test_readers_during_a_run_are_told_who_writes_and_read_once_it_is_done(tmp_path: Path, writer, capsys):
    home = tmp_path / "home"
    run = writer(home, write=True)
    with pytest.raises(engine.DatabaseBusy) as busy:
        engine.reader_session(home)
    message = str(busy.value)
    assert "is writing to" in message and str(engine.database_file(home)) in message and f"pid {run.pid}" in message
    assert cli.main(["ask", "how many customers", "--home", str(home)]) == 3
    assert cli.main(["export", "--home", str(home), str(tmp_path / "out")]) == 3
    out = " ".join(capsys.readouterr().out.split())
    assert out.count(f"pid {run.pid}") == 2
    run.finish()
    reader = engine.reader_session(home)  # the run has finished: its tables are there, whole
    try:
        assert reader.table("C360.GOLD.T").collect()[0]["K"] == 1
    finally:
        reader.close()


def test_a_failing_command_lets_the_lock_go(tmp_path: Path):
    home = tmp_path / "home"
    raw = home / "raw"
    assert cli.main(["generate", "--customers", "5", "--seed", "1", "--out", str(raw)]) == 0
    # The home holds another world: the run refuses (a configuration error) and must not keep the lock.
    assert cli.main(["run", "--home", str(home), "--customers", "6", "--seed", "1"]) == 2
    assert runlock.holder(home) is None
    assert runlock.lock_file(home).read_text() == ""


def test_the_step_a_run_is_at_is_in_its_lock_and_noted_only_by_the_holder(tmp_path: Path):
    home = tmp_path / "home"
    runlock.note_step(home, "dim_date")  # this process holds nothing: nothing is written
    assert not runlock.lock_file(home).exists()
    with RunLock(home, "c360 run"):
        runlock.note_step(home, "dim_date")
        assert runlock.holder(home).step == "dim_date"
        assert '"step": "dim_date"' in runlock.lock_file(home).read_text()
