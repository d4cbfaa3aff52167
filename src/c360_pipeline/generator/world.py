"""generate_world / continue_world / read_manifest: build a world, write its batches and manifest."""

from __future__ import annotations

import json
import math
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Literal

import numpy as np

from c360_pipeline.generator import dirt as D
from c360_pipeline.generator.manifest import FORMAT_VERSION, MANIFEST_NAME, read_manifest
from c360_pipeline.generator import reference as ref
from c360_pipeline.generator.behaviour import Transactions, draw_transactions, expected_segments
from c360_pipeline.generator.output import (
    CUSTOMER_COLUMNS,
    PART_ROWS,
    TRANSACTION_COLUMNS,
    TransactionFiles,
    customer_rows,
    write_customers,
)
from c360_pipeline.generator.population import (
    CHANGE_RATE_PER_DAY,
    EVENT_GRADUAL,
    EVENT_PARTIAL,
    EVENT_RECOVER,
    EVENT_SUDDEN,
    Population,
    Versions,
    apply_change,
    draw_customers,
    initial_versions,
    seconds_of,
)

DEFAULT_AS_OF = date(2025, 6, 30)
DEFAULT_DAYS = 580
CHUNK_CUSTOMERS = 5_000
FORMATS = ("csv", "parquet")
MAX_DIRTY_RATE = 0.2
NEW_CUSTOMERS_PER_DAY = 0.0004       # continuation: new accounts per day, as a share of the initial customers
# independent random streams: np.random.default_rng([seed, STREAM, ...])
_POPULATION, _VERSIONS, _TRANSACTIONS, _TRANSACTION_DIRT, _DUPLICATES, _CUSTOMER_DIRT = 1, 2, 3, 4, 5, 6
_DAY_CUSTOMERS, _DAY_TRANSACTIONS, _DAY_TRANSACTION_DIRT, _DAY_DUPLICATES, _DAY_CUSTOMER_DIRT = 11, 12, 13, 14, 15
_DATA_FILE = re.compile(r"^(customers_\d{8}|transactions_\d{8}_\d{3})\.(csv|parquet)$")

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class GenerationSummary:
    """What one generate_world / continue_world call wrote.

    `customers` is the number of customers in the world after the call; `customer_records` and
    `transactions` count the rows this call wrote (dirty rows included); `files` are the data files
    it wrote, in delivery order; `first_date`..`as_of` is the span of the data it wrote; `dirt`
    counts the dirty records it injected, by kind (catalogued in generator.dirt.DIRT_KINDS)."""

    out_dir: Path
    customers: int
    customer_records: int
    transactions: int
    files: list[Path]
    first_date: date
    as_of: date
    seconds: float
    dirt: dict[str, int]


# ----------------------------------------------------------------------------------------- validation

def _require_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _require_rate(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 <= value <= MAX_DIRTY_RATE or math.isnan(value):
        raise ValueError(f"dirty_rate must be a number between 0 and {MAX_DIRTY_RATE} (0 = perfectly clean), got {value!r}")
    return float(value)


def _require_as_of(value: object) -> date:
    if value is None:
        return DEFAULT_AS_OF
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"as_of must be a date (or YYYY-MM-DD text), got {value!r}")


def _require_format(value: object) -> str:
    if value not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {value!r}")
    return str(value)


# ------------------------------------------------------------------------------------------- the world

@dataclass
class _World:
    """The population at a point in time with each customer's current card and credit limit."""

    seed: int
    initial_customers: int
    pop: Population
    card: np.ndarray
    limit: np.ndarray
    versions: Versions  # initial versions only


def _initial_world(seed: int, customers: int, as_of: int, first_day: int) -> _World:
    pools = ref.name_pools()
    pop = draw_customers(np.random.default_rng([seed, _POPULATION]), 1, customers, as_of, pools)
    versions, card, limit = initial_versions(np.random.default_rng([seed, _VERSIONS]), pop, first_day, as_of)
    pop.archetype = expected_segments(pop, card, as_of)
    started = pop.event_start <= as_of
    pop.decline_type = np.select(
        [started & np.isin(pop.event_kind, [EVENT_GRADUAL, EVENT_PARTIAL, EVENT_RECOVER]), started & (pop.event_kind == EVENT_SUDDEN)],
        [1, 2],
        0,
    ).astype(np.int64)
    return _World(seed, customers, pop, card, limit, versions)


class _Continuation:
    """Replays and extends a world day by day after its initial as_of.

    Transactions of a continuation day come from monthly plans: one per calendar month (clipped to start
    after the initial as_of) for the customers who existed before it, and one per day a cohort of new
    customers joined inside it; each plan has its own random stream, so a day's rows do not depend on
    how many days one call delivers."""

    def __init__(self, world: _World, initial_as_of: int) -> None:
        self.world = world
        self.initial_as_of = initial_as_of
        self.sizes = {initial_as_of: len(world.pop)}  # customers in the world at the end of each day
        self._plans: dict[tuple[int, int], Transactions] = {}

    def advance(self, day: int) -> Versions:
        """Day `day`: a few new accounts and a few card / credit-limit changes; returns the versions to deliver."""
        world = self.world
        rng = np.random.default_rng([world.seed, _DAY_CUSTOMERS, day])
        count = int(rng.poisson(max(0.3, NEW_CUSTOMERS_PER_DAY * world.initial_customers)))
        new = draw_customers(rng, len(world.pop) + 1, count, day, ref.name_pools(), opened_on=day)
        eligible = np.flatnonzero(world.pop.open_day <= day - 30)
        changes = min(int(rng.poisson(CHANGE_RATE_PER_DAY * len(eligible))), len(eligible))
        who = np.sort(rng.choice(eligible, size=changes, replace=False)) if changes else np.zeros(0, dtype=np.int64)
        card, limit = apply_change(rng, world.card[who], world.limit[who], world.pop.style[who])
        world.card[who], world.limit[who] = card, limit
        changed = Versions(who, seconds_of(np.full(changes, day), rng.integers(6 * 3600, 22 * 3600, changes)), card, limit)
        start = len(world.pop)
        world.pop = Population.concat([world.pop, new])
        world.card = np.concatenate([world.card, new.card])
        world.limit = np.concatenate([world.limit, new.credit_limit])
        opened = Versions(np.arange(start, start + count, dtype=np.int64),
                          seconds_of(new.open_day, np.zeros(count, dtype=np.int64)), new.card.copy(), new.credit_limit.copy())
        self.sizes[day] = len(world.pop)
        versions = Versions.concat([changed, opened])
        order = np.lexsort((versions.updated_at, versions.customer))
        return Versions(versions.customer[order], versions.updated_at[order], versions.card[order], versions.credit_limit[order])

    def _plan(self, segment_start: int, joined: int, customers: slice, first: int, last: int) -> Transactions:
        key = (segment_start, joined)
        if key not in self._plans:
            for old in [k for k in self._plans if k[0] < segment_start - 31]:
                del self._plans[old]
            rng = np.random.default_rng([self.world.seed, _DAY_TRANSACTIONS, segment_start, joined])
            self._plans[key] = draw_transactions(self.world.pop.take(customers), np.arange(first, last + 1), rng)
        return self._plans[key]

    def clean_day(self, day: int) -> Transactions:
        """The clean transactions of continuation day `day` (its customers must have been advanced)."""
        d = date.fromordinal(day)
        month_end = date(d.year + d.month // 12, d.month % 12 + 1, 1).toordinal() - 1
        segment_start = max(d.replace(day=1).toordinal(), self.initial_as_of + 1)
        plans = [self._plan(segment_start, 0, slice(0, self.sizes[segment_start - 1]), segment_start, month_end)]
        for joined in range(segment_start, day + 1):
            low, high = self.sizes[joined - 1], self.sizes[joined]
            if high > low:
                plans.append(self._plan(segment_start, joined, slice(low, high), joined, month_end))
        return Transactions.concat([plan.take(np.flatnonzero(plan.day == day)) for plan in plans])

    def laid_out(self, day: int, first_number: int, rate: float, previous: Transactions | None) -> D.LaidOut:
        seed = self.world.seed
        return D.lay_out_transactions(
            self.clean_day(day), np.random.default_rng([seed, _DAY_TRANSACTION_DIRT, day]),
            np.random.default_rng([seed, _DAY_DUPLICATES, day]), rate, day, first_number, previous,
        )


# -------------------------------------------------------------------------------------------- manifest

def _write_manifest(directory: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=False) + "\n"
    (directory / MANIFEST_NAME).write_text(text, encoding="utf-8")


def _batch_entry(batch: str, first: date, last: date, files: list[tuple[Path, int]], customer_rows: int,
                 transaction_rows: int, clean_transactions: int, first_number: int, dirt: dict[str, int]) -> dict:
    return {
        "batch": batch, "first_date": first.isoformat(), "last_date": last.isoformat(),
        "files": [{"name": p.name, "rows": rows} for p, rows in files],
        "customer_rows": customer_rows, "transaction_rows": transaction_rows,
        "clean_transaction_rows": clean_transactions, "first_transaction_number": first_number, "dirt": dirt,
    }


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value


# ---------------------------------------------------------------------------------------------- public

def generate_world(
    out_dir: Path,
    customers: int = 1000,
    seed: int = 42,
    as_of: date | None = None,
    fmt: Literal["csv", "parquet"] = "csv",
    dirty_rate: float = 0.01,
    days: int = DEFAULT_DAYS,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Write a world's initial batch (customers, transactions over `days` days ending at `as_of`) and its
    manifest to `out_dir`. Replaces any generated data files and manifest already there (other files
    are left alone). `progress(stage, fraction)` is called as stages complete: "customers",
    "transactions" (per chunk of customers), "done"."""
    started = time.perf_counter()
    customers = _require_int("customers", customers, 1)
    seed = _require_int("seed", seed, 0)
    days = _require_int("days", days, 1)
    as_of = _require_as_of(as_of)
    fmt = _require_format(fmt)
    dirty_rate = _require_rate(dirty_rate)
    if customers >= D.UNKNOWN_CUSTOMER_BASE // 2:
        raise ValueError(f"customers must be below {D.UNKNOWN_CUSTOMER_BASE // 2:,}, got {customers:,}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(out_dir.iterdir()):
        if stale.is_file() and (_DATA_FILE.match(stale.name) or stale.name == MANIFEST_NAME):
            stale.unlink()
    report = progress or (lambda stage, fraction: None)
    as_of_day = as_of.toordinal()
    first_day = as_of_day - days + 1
    batch = as_of.strftime("%Y%m%d")
    pools = ref.name_pools()

    world = _initial_world(seed, customers, as_of_day, first_day)
    rows, customer_dirt = D.lay_out_customers(
        customer_rows(world.pop, world.versions), np.random.default_rng([seed, _CUSTOMER_DIRT]), dirty_rate
    )
    customer_path = out_dir / f"customers_{batch}.{fmt}"
    write_customers(customer_path, rows, fmt)
    report("customers", 1.0)

    dirt = D.no_dirt()
    _add(dirt, customer_dirt)
    files = TransactionFiles(out_dir, batch, fmt, pools)
    day_range = np.arange(first_day, as_of_day + 1)
    number, written, clean_count = 1, 0, 0
    chunks = range(0, customers, CHUNK_CUSTOMERS)
    # One chunk is formatted and written (Arrow kernels, file I/O: they release the GIL) while the next is
    # drawn; writes stay in chunk order, so the files do not depend on timing.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="c360-writer") as writer:
        pending: Future | None = None
        for index, start in enumerate(chunks):
            part = world.pop.take(slice(start, start + CHUNK_CUSTOMERS))
            clean = draw_transactions(part, day_range, np.random.default_rng([seed, _TRANSACTIONS, index]))
            laid = D.lay_out_transactions(
                clean, np.random.default_rng([seed, _TRANSACTION_DIRT, index]),
                np.random.default_rng([seed, _DUPLICATES, index]), dirty_rate, as_of_day, number,
            )
            if pending is not None:
                pending.result()
                report("transactions", index / len(chunks))
            pending = writer.submit(files.write, laid.rows)
            _add(dirt, laid.dirt)
            number = laid.next_number
            written += len(laid.rows)
            clean_count += len(clean)
        if pending is not None:
            pending.result()
    report("transactions", 1.0)
    transaction_files = files.close()

    first_date = date.fromordinal(first_day)
    manifest = {
        "format_version": FORMAT_VERSION,
        "generator": "c360_pipeline.generator",
        "parameters": {"seed": seed, "customers": customers, "as_of": as_of.isoformat(), "days": days,
                       "format": fmt, "dirty_rate": dirty_rate},
        "first_date": first_date.isoformat(),
        "as_of": as_of.isoformat(),
        "part_rows": PART_ROWS,
        "columns": {"customers": list(CUSTOMER_COLUMNS), "transactions": list(TRANSACTION_COLUMNS)},
        "state": {"next_transaction_number": number, "next_customer_number": customers + 1},
        "batches": [_batch_entry(batch, first_date, as_of, [(customer_path, len(rows))] + transaction_files, len(rows),
                                 written, clean_count, 1, dirt)],
        "dirt": dict(dirt),
    }
    _write_manifest(out_dir, manifest)
    report("done", 1.0)
    return GenerationSummary(
        out_dir=out_dir, customers=customers, customer_records=len(rows), transactions=written,
        files=[customer_path] + [p for p, _ in transaction_files], first_date=first_date, as_of=as_of,
        seconds=time.perf_counter() - started, dirt=dirt,
    )


def continue_world(
    from_dir: Path, days: int, out_dir: Path | None = None, progress: Progress | None = None
) -> GenerationSummary:
    """Extend the world in `from_dir` by `days` daily batches after its as_of. New files and the updated
    manifest go to `out_dir` (default: `from_dir`); continuing N then M days equals continuing N + M.
    `progress(stage, fraction)` is called after each day ("continuation") and at the end ("done")."""
    started = time.perf_counter()
    from_dir = Path(from_dir)
    manifest = read_manifest(from_dir)
    days = _require_int("days", days, 1)
    out_dir = Path(out_dir) if out_dir is not None else from_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda stage, fraction: None)
    params = manifest["parameters"]
    seed, customers, fmt, rate = params["seed"], params["customers"], params["format"], params["dirty_rate"]
    initial_as_of = date.fromisoformat(params["as_of"]).toordinal()
    current = date.fromisoformat(manifest["as_of"]).toordinal()
    pools = ref.name_pools()

    world = _initial_world(seed, customers, initial_as_of, initial_as_of - params["days"] + 1)
    replay = _Continuation(world, initial_as_of)
    for day in range(initial_as_of + 1, current + 1):
        replay.advance(day)
    if len(world.pop) + 1 != manifest["state"]["next_customer_number"]:
        raise ValueError(f"{from_dir / MANIFEST_NAME}: customer count does not match its parameters; was it edited?")
    previous = None
    if current > initial_as_of:  # the last delivered day, for duplicates re-delivered in the next day's file
        last = replay.laid_out(current, manifest["batches"][-1]["first_transaction_number"], rate, None)
        previous = last.rows.take(np.flatnonzero(last.clean))

    number = manifest["state"]["next_transaction_number"]
    dirt_total = dict(manifest["dirt"])
    written_files: list[Path] = []
    customer_records = transactions = 0
    dirt = D.no_dirt()
    for step, day in enumerate(range(current + 1, current + days + 1)):
        batch = date.fromordinal(day).strftime("%Y%m%d")
        batch_dirt = D.no_dirt()
        versions = replay.advance(day)
        files: list[tuple[Path, int]] = []
        rows: list[list[str]] = []
        if len(versions.customer):
            rows, customer_dirt = D.lay_out_customers(
                customer_rows(world.pop, versions), np.random.default_rng([seed, _DAY_CUSTOMER_DIRT, day]), rate
            )
            _add(batch_dirt, customer_dirt)
            path = out_dir / f"customers_{batch}.{fmt}"
            write_customers(path, rows, fmt)
            files.append((path, len(rows)))
        laid = replay.laid_out(day, number, rate, previous)
        writer = TransactionFiles(out_dir, batch, fmt, pools)
        writer.write(laid.rows)
        files += writer.close()
        _add(batch_dirt, laid.dirt)
        manifest["batches"].append(_batch_entry(batch, date.fromordinal(day), date.fromordinal(day), files, len(rows),
                                                len(laid.rows), int(laid.clean.sum()), number, batch_dirt))
        number = laid.next_number
        previous = laid.rows.take(np.flatnonzero(laid.clean))
        written_files += [p for p, _ in files]
        customer_records += len(rows)
        transactions += len(laid.rows)
        _add(dirt, batch_dirt)
        report("continuation", (step + 1) / days)
    _add(dirt_total, dirt)
    as_of = date.fromordinal(current + days)
    manifest["as_of"] = as_of.isoformat()
    manifest["state"] = {"next_transaction_number": number, "next_customer_number": len(world.pop) + 1}
    manifest["dirt"] = dirt_total
    _write_manifest(out_dir, manifest)
    report("done", 1.0)
    return GenerationSummary(
        out_dir=out_dir, customers=len(world.pop), customer_records=customer_records, transactions=transactions,
        files=written_files, first_date=date.fromordinal(current + 1), as_of=as_of,
        seconds=time.perf_counter() - started, dirt=dirt,
    )
