"""One writer at a time per local home: the run lock `<home>/run.lock`.

Every command that writes a home (`c360 run`, `c360 generate` into a home's raw directory,
`c360 clean`) holds an exclusive `flock` on `<home>/run.lock` for as long as it works, and writes
who it is into the file: pid, host, command line, since when, and the DAG step it is at. A second
writer stops at once with those details (`HomeBusy`, exit code 3 on the command line).

The kernel releases a `flock` when its holder exits in any way, `kill -9` included, so a lock is
never left held by a dead run. What such a run leaves is its holder details in the file (a run that
finishes empties it): the next writer takes the lock, reports the details as a stale lock it has
cleared, and resumes the work (every step is idempotent).

Readers (the app, `c360 ask`, `c360 export`) take no lock: they open the database read-only, and
while a run writes it they are told so, with the run's details from this file (`holder`).

The lock belongs to the local client only: on Snowflake there is no home, and two clients, or a
client and the nightly Task DAG, are not kept apart by it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import socket
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from c360_pipeline.engine import DatabaseBusy

LOCK_NAME = "run.lock"


# A reader's probe (`holder`) holds a shared lock for microseconds; a writer retries that long.
_ACQUIRE_ATTEMPTS = 5


_ACQUIRE_PAUSE_SECONDS = 0.05


class HomeBusy(DatabaseBusy):
    """Another c360 process is writing this home; the message names it (pid, host, command, since)."""

    def __init__(self, message: str, holder: "Holder | None"):
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class Holder:
    """Who holds (or, in a stale lock, held) a home's run lock."""

    pid: int
    host: str
    command: str
    since: str  # local time, ISO 8601, seconds
    step: str | None = None

    def describe(self) -> str:
        text = f"pid {self.pid} on {self.host}, `{self.command}`, since {self.since.replace('T', ' ')}"
        return text + (f", at step {self.step}" if self.step else "")

    def to_text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True) + "\n"

    @classmethod
    def from_text(cls, text: str) -> "Holder | None":
        """The holder written in a lock file; None for an empty or unreadable file."""
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["host"]), str(data["command"]), str(data["since"]), data.get("step"))
        except (ValueError, KeyError, TypeError):
            return None


def lock_file(home: Path) -> Path:
    """Where a home's run lock lives: `<home>/run.lock`."""
    return Path(home) / LOCK_NAME


def command_line(argv: list[str] | None = None) -> str:
    """The command as the user typed it, for the holder details (`c360 run --home …`)."""
    return shlex.join(["c360", *(sys.argv[1:] if argv is None else argv)])


class RunLock:
    """The exclusive run lock of one home, held by this process from `acquire` to `release`."""

    def __init__(self, home: Path, command: str | None = None):
        self.home = Path(home)
        self.path = lock_file(self.home)
        self.command = command or command_line()
        self.holder: Holder | None = None
        self.stale: Holder | None = None  # what a run that died holding the lock left in the file
        self._fd: int | None = None

    def acquire(self) -> "RunLock":
        """Take the lock or raise `HomeBusy` naming the process that has it."""
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            for attempt in range(_ACQUIRE_ATTEMPTS):
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                        raise
                    if attempt == _ACQUIRE_ATTEMPTS - 1:
                        raise self._busy(_read(fd)) from None
                    time.sleep(_ACQUIRE_PAUSE_SECONDS)
            self.stale = Holder.from_text(_read(fd))
            self._fd = fd
            self.holder = Holder(os.getpid(), socket.gethostname(), self.command,
                                 datetime.now().replace(microsecond=0).isoformat())
            self._write(self.holder)
        except BaseException:
            if self._fd is None:
                os.close(fd)
            raise
        _HELD[self.home.resolve()] = self
        return self

    def note_step(self, step: str | None) -> None:
        """Record the step the run is at, so a busy message (and a stale lock) says where it was."""
        if self._fd is not None and self.holder is not None:
            self.holder = replace(self.holder, step=step)
            self._write(self.holder)

    def release(self) -> None:
        """Empty the holder details (a clean finish leaves no stale lock) and let the lock go."""
        if self._fd is None:
            return
        _HELD.pop(self.home.resolve(), None)
        try:
            os.ftruncate(self._fd, 0)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _write(self, holder: Holder) -> None:
        data = holder.to_text().encode()
        os.pwrite(self._fd, data, 0)
        os.ftruncate(self._fd, len(data))

    def _busy(self, text: str) -> HomeBusy:
        holder = Holder.from_text(text)
        who = holder.describe() if holder else "details not readable"
        return HomeBusy(f"home {self.home} is in use by another c360 process ({who}); lock file {self.path}", holder)


_HELD: dict[Path, RunLock] = {}


def note_step(home: Path, step: str | None) -> None:
    """Record the step a run is at in the home's lock, if this process holds it (else nothing)."""
    lock = _HELD.get(Path(home).resolve())
    if lock is not None:
        lock.note_step(step)


def holder(home: Path) -> Holder | None:
    """The process writing `home` right now (None when no one holds its lock)."""
    path = lock_file(home)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        held_here = _HELD.get(Path(home).resolve())
        if held_here is not None:
            return held_here.holder
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            return Holder.from_text(_read(fd))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def home_of_raw_dir(directory: Path) -> Path | None:
    """The home whose raw directory this is (`<home>/raw` of a home with a lock or a database), else None."""
    directory = Path(directory)
    if directory.name != "raw":
        return None
    home = directory.parent
    if lock_file(home).exists() or any(home.glob("*.db")):
        return home
    return None


def _read(fd: int) -> str:
    return os.pread(fd, 64 * 1024, 0).decode("utf-8", errors="replace")
