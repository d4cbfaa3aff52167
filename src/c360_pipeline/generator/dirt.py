"""Dirty records, injected at a given rate so the pipeline's validation has something to refuse.

Every dirty record carries exactly one defect, and all but the case/whitespace kind are extra rows
(corrupted copies of real rows), so the clean world stays complete and staging can assert exact
reject counts from the manifest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from c360_pipeline.generator.behaviour import Transactions

TRANSACTION_DIRT: tuple[str, ...] = (
    "duplicate_transaction", "missing_field", "non_positive_amount", "unparsable_date", "future_date",
    "unknown_customer", "unknown_status", "unknown_channel",
)
TRANSACTION_DIRT_WEIGHTS = np.array([0.30, 0.15, 0.10, 0.10, 0.10, 0.10, 0.075, 0.075])
CUSTOMER_DIRT: tuple[str, ...] = ("customer_missing_id", "customer_bad_date", "messy_case_whitespace")
CUSTOMER_DIRT_WEIGHTS = np.array([0.25, 0.25, 0.50])
DIRT_KINDS: tuple[str, ...] = TRANSACTION_DIRT + CUSTOMER_DIRT

# defect codes carried by Transactions.defect (the formatter writes them)
BLANK_TRANSACTION_ID, BLANK_CUSTOMER_ID, BLANK_DATE, BLANK_AMOUNT = 1, 2, 3, 4
BAD_DATE_CODE = 5  # 5, 6, 7 -> BAD_DATES[code - 5]
BAD_DATES: tuple[str, ...] = ("2024-13-45", "not a date", "31/02/2024")
UNKNOWN_STATUSES: tuple[str, ...] = ("pending", "reversed", "on_hold")
UNKNOWN_CHANNELS: tuple[str, ...] = ("ATM", "Kiosk", "Mail Order")
UNKNOWN_CUSTOMER_BASE = 90_000_000  # CUST9xxxxxxx: far above any generated customer number
FUTURE_DAYS = (366, 1096)           # future dates are 1-3 years after the batch day


def no_dirt() -> dict[str, int]:
    return {kind: 0 for kind in DIRT_KINDS}


@dataclass
class LaidOut:
    """One batch's transaction rows in delivery order, and which of them are the clean records."""

    rows: Transactions
    clean: np.ndarray          # bool mask over rows
    dirt: dict[str, int]
    next_number: int


def lay_out_transactions(
    clean: Transactions,
    rng: np.random.Generator,
    dup_rng: np.random.Generator,
    rate: float,
    batch_day: int,
    first_number: int,
    previous: Transactions | None = None,
) -> LaidOut:
    """Mix dirty copies into a batch's clean rows, assign transaction numbers in delivery order.

    Numbering uses only `rng`, so a batch's clean rows get the same numbers however many
    duplicates `dup_rng` later adds (continuation regenerates the previous day this way)."""
    n = len(clean)
    k = int(rng.binomial(n, rate)) if rate > 0 and n > 0 else 0
    kinds = rng.choice(len(TRANSACTION_DIRT), size=k, p=TRANSACTION_DIRT_WEIGHTS)
    dirt = no_dirt()
    for i, name in enumerate(TRANSACTION_DIRT):
        dirt[name] = int((kinds == i).sum())
    corrupt_kinds = kinds[kinds != 0]
    bad = clean.take(rng.integers(0, n, len(corrupt_kinds)) if n else np.zeros(0, dtype=np.int64))
    m = len(bad)
    field = rng.integers(0, 4, m)
    negative = rng.random(m) < 0.5
    variant = rng.integers(0, 3, m)
    future = batch_day + rng.integers(*FUTURE_DAYS, m)
    stranger = UNKNOWN_CUSTOMER_BASE + rng.integers(0, 9_999_999, m)
    for code, name in enumerate(TRANSACTION_DIRT):
        hit = corrupt_kinds == code
        if name == "missing_field":
            bad.defect[hit] = (BLANK_TRANSACTION_ID + field[hit]).astype(np.int8)
        elif name == "non_positive_amount":
            bad.cents[hit] = np.where(negative[hit], -bad.cents[hit], 0)
        elif name == "unparsable_date":
            bad.defect[hit] = (BAD_DATE_CODE + variant[hit]).astype(np.int8)
        elif name == "future_date":
            bad.day[hit] = future[hit]
        elif name == "unknown_customer":
            bad.customer[hit] = stranger[hit]
        elif name == "unknown_status":
            bad.status[hit] = 2 + variant[hit]
        elif name == "unknown_channel":
            bad.channel[hit] = 3 + variant[hit]
    if k == 0:  # a clean batch is delivered as drawn
        rows = clean.take(slice(None))
        rows.number = first_number + np.arange(n, dtype=np.int64)
        return LaidOut(rows=rows, clean=np.ones(n, dtype=bool), dirt=dirt, next_number=first_number + n)
    # delivery position among this batch's own rows (clean and corrupted): numbers follow it
    keys = np.concatenate([np.arange(n, dtype=np.float64), rng.uniform(0, max(n, 1), m)])
    position = np.empty(n + m, dtype=np.int64)
    position[np.argsort(keys, kind="stable")] = np.arange(n + m)
    numbers = first_number + position
    # duplicates: exact copies of clean rows of this batch or (continuation) of the previous day's batch
    n_dup = dirt["duplicate_transaction"]
    from_previous = (dup_rng.random(n_dup) < 0.5) if previous is not None and len(previous) else np.zeros(n_dup, dtype=bool)
    source = dup_rng.choice(n, size=int((~from_previous).sum()), replace=False)
    copies = [clean.take(source)]
    copy_numbers = [numbers[source]]
    if from_previous.any():
        again = dup_rng.choice(len(previous), size=int(from_previous.sum()), replace=len(previous) < from_previous.sum())
        copies.append(previous.take(again))
        copy_numbers.append(previous.number[again])
    extra = sum(len(c) for c in copies)
    order = np.argsort(np.concatenate([position.astype(np.float64), dup_rng.uniform(0, n + m, extra)]), kind="stable")
    parts = [clean, bad, *copies]
    rows = Transactions(*(np.concatenate([getattr(p, name) for p in parts])[order] for name in Transactions.__dataclass_fields__))
    rows.number = np.concatenate([numbers, *copy_numbers])[order]
    is_clean = np.concatenate([np.ones(n, dtype=bool), np.zeros(m + extra, dtype=bool)])[order]
    return LaidOut(rows=rows, clean=is_clean, dirt=dirt, next_number=first_number + n + m)


def lay_out_customers(rows: list[list[str]], rng: np.random.Generator, rate: float) -> tuple[list[list[str]], dict[str, int]]:
    """Customer records (lists of text, file column order) with dirty records mixed in.

    Missing-id and bad-date records are extra copies of real records; case/whitespace mess is applied
    to real records in place (the pipeline should clean those, not refuse them)."""
    dirt = {kind: 0 for kind in CUSTOMER_DIRT}
    n = len(rows)
    k = int(rng.binomial(n, rate)) if rate > 0 and n > 0 else 0
    kinds = rng.choice(len(CUSTOMER_DIRT), size=k, p=CUSTOMER_DIRT_WEIGHTS)
    extras: list[list[str]] = []
    for kind in kinds[kinds != 2]:
        copy = list(rows[int(rng.integers(0, n))])
        if kind == 0:
            copy[0] = ""
        else:
            copy[10] = BAD_DATES[int(rng.integers(0, len(BAD_DATES)))]
            moment = datetime.fromisoformat(copy[13]) + timedelta(seconds=int(rng.integers(1, 3600)))
            copy[13] = moment.strftime("%Y-%m-%d %H:%M:%S")
        extras.append(copy)
    dirt["customer_missing_id"] = int((kinds == 0).sum())
    dirt["customer_bad_date"] = int((kinds == 1).sum())
    messy = rng.choice(n, size=min(int((kinds == 2).sum()), n), replace=False) if n else []
    rows = [list(r) for r in rows]
    for i in sorted(int(i) for i in messy):
        which = int(rng.integers(0, 3))
        if which in (0, 2):
            rows[i][5] = _messy_state(rows[i][5], int(rng.integers(0, 4)))
        if which in (1, 2):
            rows[i][3] = _messy_email(rows[i][3], int(rng.integers(0, 3)))
    dirt["messy_case_whitespace"] = len(messy)
    keys = np.concatenate([np.arange(n, dtype=np.float64), rng.uniform(0, max(n, 1), len(extras))])
    combined = rows + extras
    return [combined[i] for i in np.argsort(keys, kind="stable")], dirt


def _messy_state(state: str, variant: int) -> str:
    return (f" {state.lower()} ", state.lower(), f"{state} ", f" {state.title()}")[variant]


def _messy_email(email: str, variant: int) -> str:
    local, _, domain = email.partition("@")
    name, _, tld = domain.rpartition(".")
    shouty = f"{'.'.join(p.title() for p in local.split('.'))}@{name.title()}.{tld.upper()}"
    return (f"{shouty} ", f" {shouty}", f"  {email.upper()}")[variant]
