"""The raw data generator: arguments, determinism, layout and text formats, behaviour, dirt, continuation."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from c360_pipeline.catalog import (
    CARD_TYPES,
    CATEGORY_BY_NAME,
    CHANNELS,
    EMPLOYMENT_STATUSES,
    PREMIUM_CARD_TYPES,
    SEGMENTS,
    STATUSES,
    US_STATES,
)
from c360_pipeline.generator import (
    DEFAULT_AS_OF,
    DIRT_KINDS,
    GenerationSummary,
    continue_world,
    generate_world,
    output,
    read_manifest,
)

CUSTOMER_COLUMNS = [
    "customer_id", "first_name", "last_name", "email", "age", "state", "city", "employment_status",
    "card_type", "credit_limit", "account_open_date", "customer_segment", "decline_type", "updated_at",
]
TRANSACTION_COLUMNS = [
    "transaction_id", "customer_id", "transaction_date", "transaction_amount", "merchant_name",
    "merchant_category", "channel", "status",
]
AS_OF = date(2025, 6, 30)
TIMESTAMP = "%Y-%m-%d %H:%M:%S"


# --- helpers ---------------------------------------------------------------------------------------

def read_rows(path: Path) -> list[list[str]]:
    """All rows of a raw file as text (header first), CSV or Parquet."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.reader(handle))
    table = pq.read_table(path)
    return [table.column_names] + [list(row) for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)))]


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return handle.readline().rstrip("\n").split(",")


def data_rows(directory: Path, prefix: str) -> list[list[str]]:
    """Data rows of every `prefix` file in delivery (name) order."""
    rows: list[list[str]] = []
    for path in sorted(directory.glob(f"{prefix}_*")):
        rows.extend(read_rows(path)[1:])
    return rows


def digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def classify_transactions(rows: list[list[str]], known_customers: set[str], as_of: date) -> Counter:
    """Count transaction rows by the one defect each carries (kind names of the manifest)."""
    found: Counter = Counter()
    seen: set[str] = set()
    end = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    for txn_id, customer, when, amount, _merchant, _category, channel, status in rows:
        defects = []
        if not (txn_id and customer and when and amount):
            defects.append("missing_field")
        elif float(amount) <= 0:
            defects.append("non_positive_amount")
        elif not parses(when, TIMESTAMP):
            defects.append("unparsable_date")
        elif datetime.strptime(when, TIMESTAMP) >= end:
            defects.append("future_date")
        elif customer not in known_customers:
            defects.append("unknown_customer")
        if status not in STATUSES:
            defects.append("unknown_status")
        if channel not in CHANNELS:
            defects.append("unknown_channel")
        if txn_id and txn_id in seen:
            defects.append("duplicate_transaction")
        assert len(defects) <= 1, f"a dirty row carries one defect, got {defects}: {txn_id, customer, when, amount}"
        found.update(defects)
        seen.add(txn_id)
    return found


def classify_customers(rows: list[list[str]]) -> Counter:
    found: Counter = Counter()
    for row in rows:
        record = dict(zip(CUSTOMER_COLUMNS, row))
        if not record["customer_id"]:
            found["customer_missing_id"] += 1
        elif not parses(record["account_open_date"], "%Y-%m-%d"):
            found["customer_bad_date"] += 1
        elif record["state"] != record["state"].strip().upper() or record["email"] != record["email"].strip().lower():
            found["messy_case_whitespace"] += 1
    return found


def segments_at(customers: pd.DataFrame, tx: pd.DataFrame, as_of: date) -> pd.Series:
    """The five segment rules at as_of on approved transactions (first match wins, in catalog order)."""
    current = customers.sort_values(["customer_id", "updated_at"]).groupby("customer_id").tail(1).set_index("customer_id")
    approved = tx[tx["status"] == "approved"]
    day = pd.to_datetime(approved["transaction_date"].str.slice(0, 10))
    amount = approved["transaction_amount"].astype(float)
    end = pd.Timestamp(as_of)
    last = (day > end - pd.Timedelta(days=90)) & (day <= end)
    prior = (day > end - pd.Timedelta(days=180)) & (day <= end - pd.Timedelta(days=90))
    group = approved["merchant_category"].map({name: c.group for name, c in CATEGORY_BY_NAME.items()})

    def total(mask: pd.Series) -> pd.Series:
        return amount[mask].groupby(approved["customer_id"][mask]).sum().reindex(current.index, fill_value=0.0)

    spend, before = total(last), total(prior)
    travel, needs = total(last & (group == "travel")), total(last & (group == "necessities"))
    monthly = spend / 3
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(before > 0, (spend - before) / before, np.where(spend > 0, np.inf, 0.0))
    opened = pd.to_datetime(current["account_open_date"])
    tenure = (as_of.year - opened.dt.year) * 12 + (as_of.month - opened.dt.month) - (as_of.day < opened.dt.day).astype(int)
    rule = np.select(
        [
            current["card_type"].isin(PREMIUM_CARD_TYPES) & (monthly >= 5000) & (travel >= 0.25 * spend) & (spend > 0),
            (before > 0) & (change <= -0.30),
            (tenure < 6) & (change >= 0.50),
            (monthly < 1500) & (needs >= 0.60 * spend) & (spend > 0),
        ],
        SEGMENTS[:4],
        SEGMENTS[4],
    )
    return pd.Series(rule, index=current.index)


# --- fixtures --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clean_world(tmp_path_factory) -> tuple[Path, GenerationSummary]:
    """A clean world big enough for behavioural shares: 1,500 customers over the default 580 days."""
    out = tmp_path_factory.mktemp("clean_world")
    return out, generate_world(out, customers=1500, seed=11, dirty_rate=0.0)


@pytest.fixture(scope="module")
def clean_frames(clean_world) -> tuple[pd.DataFrame, pd.DataFrame]:
    out, _ = clean_world
    customers = pd.read_csv(out / "customers_20250630.csv", dtype=str, keep_default_na=False)
    tx = pd.concat(pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(out.glob("transactions_*.csv")))
    return customers, tx


@pytest.fixture(scope="module")
def dirty_world(tmp_path_factory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("dirty_world")
    return out, generate_world(out, customers=250, seed=3, days=150, dirty_rate=0.05)


# --- arguments -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"customers": 0}, "customers"),
        ({"customers": 2.5}, "customers"),
        ({"customers": True}, "customers"),
        ({"dirty_rate": -0.01}, "dirty_rate"),
        ({"dirty_rate": 0.25}, "dirty_rate"),
        ({"dirty_rate": "lots"}, "dirty_rate"),
        ({"fmt": "json"}, "fmt"),
        ({"days": 0}, "days"),
        ({"seed": -1}, "seed"),
        ({"as_of": "30/06/2025"}, "as_of"),
    ],
)
def test_generate_world_refuses_bad_arguments_naming_them(tmp_path, arguments, named):
    with pytest.raises(ValueError, match=rf"^{named} must be"):
        generate_world(tmp_path / "out", **arguments)
    assert not (tmp_path / "out").exists()


def test_error_messages_state_the_accepted_values(tmp_path):
    with pytest.raises(ValueError, match=r"csv, parquet"):
        generate_world(tmp_path, fmt="xlsx")
    with pytest.raises(ValueError, match=r"between 0 and 0.2"):
        generate_world(tmp_path, dirty_rate=0.5)


def test_continue_world_needs_a_generated_directory_and_positive_days(tmp_path, dirty_world):
    with pytest.raises(ValueError, match="manifest.json"):
        continue_world(tmp_path, days=1)
    with pytest.raises(ValueError, match="manifest.json"):
        read_manifest(tmp_path)
    with pytest.raises(ValueError, match=r"^days must be"):
        continue_world(dirty_world[0], days=0)


# --- determinism -----------------------------------------------------------------------------------

def test_same_arguments_give_byte_identical_files_and_another_seed_does_not(tmp_path):
    arguments = {"customers": 120, "days": 90, "dirty_rate": 0.03}
    generate_world(tmp_path / "a", seed=5, **arguments)
    generate_world(tmp_path / "b", seed=5, **arguments)
    generate_world(tmp_path / "c", seed=6, **arguments)
    first, second, other = digests(tmp_path / "a"), digests(tmp_path / "b"), digests(tmp_path / "c")
    assert first == second
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first)


def test_default_as_of_is_fixed_not_the_clock(tmp_path):
    summary = generate_world(tmp_path, customers=5, days=3, dirty_rate=0)
    assert summary.as_of == DEFAULT_AS_OF == AS_OF
    assert read_manifest(tmp_path)["as_of"] == "2025-06-30"


def test_progress_is_reported_by_stage(tmp_path):
    calls: list[tuple[str, float]] = []
    generate_world(tmp_path, customers=20, days=5, progress=lambda stage, fraction: calls.append((stage, fraction)))
    continue_world(tmp_path, days=2, progress=lambda stage, fraction: calls.append((stage, fraction)))
    assert calls == [("customers", 1.0), ("transactions", 1.0), ("done", 1.0),
                     ("continuation", 0.5), ("continuation", 1.0), ("done", 1.0)]


def test_generating_again_replaces_the_previous_world(tmp_path):
    generate_world(tmp_path, customers=30, days=10, as_of=date(2025, 1, 31))
    (tmp_path / "notes.txt").write_text("mine")
    generate_world(tmp_path, customers=30, days=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "customers_20250630.csv", "manifest.json", "notes.txt", "transactions_20250630_001.csv",
    ]


# --- layout and text formats -----------------------------------------------------------------------

def test_files_manifest_and_summary_agree(dirty_world):
    out, summary = dirty_world
    manifest = read_manifest(out)
    assert [p.name for p in summary.files] == ["customers_20250630.csv", "transactions_20250630_001.csv"]
    assert summary.out_dir == out and summary.customers == 250 and summary.seconds > 0
    assert summary.first_date == AS_OF - timedelta(days=149) and summary.as_of == AS_OF
    assert manifest["parameters"] == {"seed": 3, "customers": 250, "as_of": "2025-06-30", "days": 150,
                                      "format": "csv", "dirty_rate": 0.05}
    assert manifest["first_date"] == summary.first_date.isoformat() and manifest["as_of"] == "2025-06-30"
    assert manifest["columns"] == {"customers": CUSTOMER_COLUMNS, "transactions": TRANSACTION_COLUMNS}
    [batch] = manifest["batches"]
    assert {f["name"]: f["rows"] for f in batch["files"]} == {
        p.name: len(read_rows(p)) - 1 for p in summary.files
    }
    assert batch["customer_rows"] == summary.customer_records
    assert batch["transaction_rows"] == summary.transactions
    assert manifest["dirt"] == summary.dirt == batch["dirt"]
    assert set(summary.dirt) == set(DIRT_KINDS)


def test_columns_come_in_the_documented_order(clean_world):
    out, summary = clean_world
    assert header(out / "customers_20250630.csv") == CUSTOMER_COLUMNS
    for path in summary.files[1:]:
        assert header(path) == TRANSACTION_COLUMNS


def test_customer_values_are_text_in_the_documented_formats(clean_frames):
    customers, _ = clean_frames
    assert customers["customer_id"].str.fullmatch(r"CUST\d{8}").all()
    assert customers["email"].str.fullmatch(r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+").all()
    assert customers["age"].astype(int).between(18, 85).all()
    assert customers["state"].isin(US_STATES).all()
    assert customers["state"].value_counts().index[0] in {"CA", "TX"}  # weighted by population
    assert customers["employment_status"].isin(EMPLOYMENT_STATUSES).all()
    assert customers["card_type"].isin(CARD_TYPES).all()
    assert customers["credit_limit"].str.fullmatch(r"\d+\.00").all()
    assert customers["account_open_date"].map(lambda v: parses(v, "%Y-%m-%d")).all()
    assert customers["updated_at"].map(lambda v: parses(v, TIMESTAMP)).all()
    assert customers["customer_segment"].isin(SEGMENTS).all()
    assert customers["decline_type"].isin(["", "gradual", "sudden"]).all()
    assert (customers[["first_name", "last_name", "city"]] != "").all().all()


def test_transaction_values_are_text_in_the_documented_formats(clean_frames):
    customers, tx = clean_frames
    assert tx["transaction_id"].str.fullmatch(r"TXN\d{12}").all()
    assert tx["transaction_id"].is_unique
    assert tx["customer_id"].isin(customers["customer_id"]).all()
    assert tx["transaction_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()
    assert tx["transaction_amount"].str.fullmatch(r"\d+\.\d{2}").all()
    assert (tx["transaction_amount"].astype(float) > 0).all()
    assert tx["merchant_category"].isin(CATEGORY_BY_NAME).all()
    assert tx["channel"].isin(CHANNELS).all() and tx["status"].isin(STATUSES).all()
    merchants = tx.groupby("merchant_category")["merchant_name"].nunique()
    assert len(merchants) == 50 and merchants.min() >= 5


def test_transactions_fall_between_account_opening_and_as_of(clean_frames, clean_world):
    customers, tx = clean_frames
    _, summary = clean_world
    opened = customers.groupby("customer_id")["account_open_date"].first()
    day = tx["transaction_date"].str.slice(0, 10)
    assert (day >= tx["customer_id"].map(opened)).all()
    assert day.min() >= summary.first_date.isoformat() and day.max() <= AS_OF.isoformat()


def test_a_customer_is_redelivered_only_when_card_or_limit_changes(clean_frames):
    customers, _ = clean_frames
    versions = customers.sort_values(["customer_id", "updated_at"])
    first = versions.groupby("customer_id").head(1)
    assert (first["updated_at"] == first["account_open_date"] + " 00:00:00").all()
    counts = versions.groupby("customer_id").size()
    assert counts.max() <= 4
    assert 0.12 <= (counts > 1).mean() <= 0.28  # ~20% of customers have 1-3 changes
    fixed = [c for c in CUSTOMER_COLUMNS if c not in {"card_type", "credit_limit", "updated_at"}]
    assert (versions.groupby("customer_id")[fixed].nunique() == 1).all().all()
    previous = versions.groupby("customer_id")[["card_type", "credit_limit"]].shift()
    changed = previous["card_type"].notna()
    assert ((versions.loc[changed, "card_type"] != previous.loc[changed, "card_type"])
            | (versions.loc[changed, "credit_limit"] != previous.loc[changed, "credit_limit"])).all()
    assert not versions.duplicated(["customer_id", "updated_at"]).any()


def test_csv_is_exactly_what_the_csv_module_writes_with_minimal_quoting(dirty_world):
    out, summary = dirty_world
    for path in summary.files:
        text = path.read_text(encoding="utf-8")
        rewritten = io.StringIO()
        csv.writer(rewritten, lineterminator="\n").writerows(read_rows(path))
        assert text == rewritten.getvalue()
    assert '"' in (out / "transactions_20250630_001.csv").read_text(), "Faker company names with commas come quoted"


def test_parts_hold_at_most_part_rows(tmp_path, monkeypatch):
    generate_world(tmp_path / "whole", customers=40, days=60, seed=2)
    monkeypatch.setattr(output, "PART_ROWS", 500)
    generate_world(tmp_path / "parts", customers=40, days=60, seed=2)
    parts = sorted((tmp_path / "parts").glob("transactions_*"))
    assert [p.name for p in parts] == [f"transactions_20250630_{i:03d}.csv" for i in range(1, len(parts) + 1)]
    sizes = [len(read_rows(p)) - 1 for p in parts]
    assert len(parts) > 2 and all(size == 500 for size in sizes[:-1]) and 0 < sizes[-1] <= 500
    assert data_rows(tmp_path / "parts", "transactions") == data_rows(tmp_path / "whole", "transactions")


def test_parquet_holds_the_same_text_as_csv(tmp_path):
    arguments = {"customers": 80, "days": 45, "seed": 9, "dirty_rate": 0.05}
    generate_world(tmp_path / "csv", **arguments)
    generate_world(tmp_path / "parquet", fmt="parquet", **arguments)
    names = sorted(p.stem for p in (tmp_path / "csv").glob("*.csv"))
    assert names == sorted(p.stem for p in (tmp_path / "parquet").glob("*.parquet"))
    for name in names:
        table = pq.read_table(tmp_path / "parquet" / f"{name}.parquet")
        assert all(field.type == pa.string() for field in table.schema)
        assert read_rows(tmp_path / "parquet" / f"{name}.parquet") == read_rows(tmp_path / "csv" / f"{name}.csv")
    assert read_manifest(tmp_path / "parquet")["parameters"]["format"] == "parquet"


# --- behaviour -------------------------------------------------------------------------------------

def test_density_is_about_270_transactions_per_customer_over_580_days(clean_frames):
    customers, tx = clean_frames
    per_customer = len(tx) / customers["customer_id"].nunique()
    assert 245 <= per_customer <= 295


def test_about_95_percent_of_transactions_are_approved(clean_frames):
    _, tx = clean_frames
    assert 0.935 <= (tx["status"] == "approved").mean() <= 0.965


def test_segment_rules_land_in_the_target_shares(clean_frames):
    customers, tx = clean_frames
    shares = segments_at(customers, tx, AS_OF).value_counts(normalize=True).reindex(SEGMENTS, fill_value=0.0)
    # target ranges (seed 003 §2.3), widened by 2.5 points for sampling noise at 1,500 customers
    targets = {
        "High-Value Travelers": (0.10, 0.15), "Declining": (0.05, 0.10), "New & Growing": (0.10, 0.15),
        "Budget-Conscious": (0.20, 0.25), "Stable Mid-Spenders": (0.40, 0.50),
    }
    for name, (low, high) in targets.items():
        assert low - 0.025 <= shares[name] <= high + 0.025, f"{name}: {shares[name]:.1%}"


def test_archetype_truth_column_matches_the_rules_for_most_customers(clean_frames):
    customers, tx = clean_frames
    current = customers.sort_values("updated_at").groupby("customer_id").tail(1).set_index("customer_id")
    rules = segments_at(customers, tx, AS_OF)
    assert (rules == current["customer_segment"].reindex(rules.index)).mean() >= 0.85
    declining = current["customer_segment"] == "Declining"
    assert (current.loc[declining, "decline_type"] != "").mean() >= 0.9


def test_high_value_travellers_travel_and_budget_customers_buy_necessities(clean_frames):
    customers, tx = clean_frames
    archetype = customers.groupby("customer_id")["customer_segment"].first()
    approved = tx[tx["status"] == "approved"].assign(
        amount=lambda f: f["transaction_amount"].astype(float),
        group=lambda f: f["merchant_category"].map({n: c.group for n, c in CATEGORY_BY_NAME.items()}),
        segment=lambda f: f["customer_id"].map(archetype),
    )
    by_segment = approved.groupby("segment")
    travel = approved[approved["group"] == "travel"].groupby("segment")["amount"].sum() / by_segment["amount"].sum()
    needs = approved[approved["group"] == "necessities"].groupby("segment")["amount"].sum() / by_segment["amount"].sum()
    ticket = by_segment["amount"].mean()
    assert travel["High-Value Travelers"] >= 0.3 > travel["Stable Mid-Spenders"]
    assert needs["Budget-Conscious"] >= 0.6
    assert ticket["High-Value Travelers"] > ticket["Stable Mid-Spenders"] > ticket["Budget-Conscious"]


# --- dirt ------------------------------------------------------------------------------------------

def test_dirt_in_the_files_matches_the_manifest_counts_exactly(dirty_world):
    out, summary = dirty_world
    customers = data_rows(out, "customers")
    known = {row[0] for row in customers if row[0]}
    found = classify_transactions(data_rows(out, "transactions"), known, AS_OF) + classify_customers(customers)
    assert {kind: found.get(kind, 0) for kind in DIRT_KINDS} == summary.dirt == read_manifest(out)["dirt"]
    assert all(summary.dirt[kind] > 0 for kind in DIRT_KINDS if kind not in {"customer_missing_id", "customer_bad_date"})


def test_dirt_comes_at_the_requested_rate(dirty_world):
    out, summary = dirty_world
    manifest = read_manifest(out)
    clean = manifest["batches"][0]["clean_transaction_rows"]
    transaction_dirt = sum(summary.dirt[kind] for kind in DIRT_KINDS[:8])
    assert summary.transactions == clean + transaction_dirt
    assert abs(transaction_dirt / clean - 0.05) < 0.01
    customer_dirt = sum(summary.dirt[kind] for kind in DIRT_KINDS[8:])
    assert 0 < customer_dirt < 0.15 * summary.customer_records


def test_messy_values_are_still_the_same_value_once_cleaned(dirty_world):
    out, _ = dirty_world
    messy = [dict(zip(CUSTOMER_COLUMNS, r)) for r in data_rows(out, "customers") if r[0] and (r[5] != r[5].strip().upper() or r[3] != r[3].strip().lower())]
    assert messy
    for record in messy:
        assert record["state"].strip().upper() in US_STATES
        assert re.fullmatch(r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+", record["email"].strip().lower())


def test_zero_dirty_rate_gives_perfectly_clean_files(tmp_path):
    summary = generate_world(tmp_path, customers=150, days=120, seed=4, dirty_rate=0)
    assert set(summary.dirt.values()) == {0}
    customers, tx = data_rows(tmp_path, "customers"), data_rows(tmp_path, "transactions")
    assert not classify_transactions(tx, {r[0] for r in customers}, AS_OF)
    assert not classify_customers(customers)
    assert len({r[0] for r in tx}) == len(tx)


# --- continuation ----------------------------------------------------------------------------------

def test_continuation_adds_later_days_with_new_ids(tmp_path):
    generate_world(tmp_path, customers=200, days=60, seed=8, dirty_rate=0.02)
    before = data_rows(tmp_path, "transactions")
    last_number = max(int(r[0][3:]) for r in before if r[0])
    summary = continue_world(tmp_path, days=3)
    manifest = read_manifest(tmp_path)
    days = ["20250701", "20250702", "20250703"]
    assert summary.first_date == date(2025, 7, 1) and summary.as_of == date(2025, 7, 3) == date.fromisoformat(manifest["as_of"])
    assert [p.name for p in summary.files if p.name.startswith("transactions")] == [f"transactions_{d}_001.csv" for d in days]
    assert [b["batch"] for b in manifest["batches"]] == ["20250630", *days]
    new = [row for path in summary.files if path.name.startswith("transactions") for row in read_rows(path)[1:]]
    assert len(new) == summary.transactions > 0
    known = {r[0] for r in data_rows(tmp_path, "customers") if r[0]}
    seen = {r[0] for r in before}
    for path in summary.files:
        if path.name.startswith("transactions"):
            day = path.name.split("_")[1]
            rows = read_rows(path)[1:]
            fresh = [r for r in rows if r[0] and r[0] not in seen and r[1] in known and parses(r[2], TIMESTAMP) and r[2] < "2026"]
            assert fresh and {r[2][:10].replace("-", "") for r in fresh} == {day}
            seen |= {r[0] for r in rows}
    assert min(int(r[0][3:]) for r in new if r[0]) > last_number
    assert summary.customers == manifest["state"]["next_customer_number"] - 1 >= 200
    initial = manifest["batches"][0]["dirt"]
    assert manifest["dirt"] == {kind: initial[kind] + summary.dirt[kind] for kind in DIRT_KINDS}


def test_continuing_two_then_one_day_equals_continuing_three_days(tmp_path, dirty_world):
    out, _ = dirty_world
    shutil.copytree(out, tmp_path / "three")
    shutil.copytree(out, tmp_path / "split")
    continue_world(tmp_path / "three", days=3)
    continue_world(tmp_path / "split", days=2)
    continue_world(tmp_path / "split", days=1)
    assert digests(tmp_path / "three") == digests(tmp_path / "split")
    shutil.copytree(out, tmp_path / "again")
    continue_world(tmp_path / "again", days=3)
    assert digests(tmp_path / "again") == digests(tmp_path / "three")


def test_continuation_redelivers_some_duplicates_in_the_next_days_file(tmp_path):
    generate_world(tmp_path, customers=300, days=30, seed=12, dirty_rate=0.2)
    summary = continue_world(tmp_path, days=4)
    files = [p for p in summary.files if p.name.startswith("transactions")]
    redelivered = 0
    for earlier, later in zip(files, files[1:]):
        earlier_ids = {r[0] for r in read_rows(earlier)[1:] if r[0]}
        redelivered += sum(r[0] in earlier_ids for r in read_rows(later)[1:])
    assert redelivered > 0
    customers = data_rows(tmp_path, "customers")
    found = classify_transactions(data_rows(tmp_path, "transactions"), {r[0] for r in customers if r[0]}, date(2025, 7, 4))
    found += classify_customers(customers)
    assert {k: found.get(k, 0) for k in DIRT_KINDS} == read_manifest(tmp_path)["dirt"]


def test_continuation_can_write_to_another_directory(tmp_path):
    generate_world(tmp_path / "raw", customers=60, days=20, seed=1, fmt="parquet")
    untouched = digests(tmp_path / "raw")
    summary = continue_world(tmp_path / "raw", days=1, out_dir=tmp_path / "next")
    assert digests(tmp_path / "raw") == untouched
    assert {p.name for p in (tmp_path / "next").iterdir()} == {p.name for p in summary.files} | {"manifest.json"}
    assert all(p.suffix == ".parquet" for p in summary.files)
    assert read_manifest(tmp_path / "next")["as_of"] == "2025-07-01"
    later = continue_world(tmp_path / "next", days=1)
    assert later.as_of == date(2025, 7, 2)


def test_continuation_delivers_new_customers_and_attribute_changes(tmp_path):
    generate_world(tmp_path, customers=4000, days=30, seed=21, dirty_rate=0)
    summary = continue_world(tmp_path, days=3)
    assert summary.customers > 4000
    delivered = [row for p in summary.files if p.name.startswith("customers") for row in read_rows(p)[1:]]
    assert len(delivered) == summary.customer_records > 0
    newcomers = [r for r in delivered if int(r[0][4:]) > 4000]
    assert newcomers and all(r[11] == "New & Growing" and r[10] >= "2025-07-01" for r in newcomers)
    changed = [r for r in delivered if int(r[0][4:]) <= 4000]
    assert changed and all(r[13] >= "2025-07-01" for r in changed)
    json.dumps(read_manifest(tmp_path))  # the manifest stays plain JSON


def test_card_strain_rises_before_a_customer_leaves_and_never_before_a_temporary_dip():
    from types import SimpleNamespace

    from c360_pipeline.generator import behaviour
    from c360_pipeline.generator.population import EVENT_GRADUAL, EVENT_NONE, EVENT_RECOVER, EVENT_SUDDEN

    # one customer per kind, each event starting on day 1000 and lasting 100 days (lead 60 days)
    pop = SimpleNamespace(
        event_kind=np.array([EVENT_GRADUAL, EVENT_SUDDEN, EVENT_RECOVER, EVENT_NONE]),
        event_start=np.full(4, 1000.0), event_length=np.full(4, 100.0),
    )
    days = np.array([900, 940, 970, 1000, 1050, 1100, 1130, 1160, 1200])
    strain = {k: behaviour.card_strain(pop, np.full(len(days), k), days) for k in range(4)}
    # gradual: nothing 100 days before, half-way up in the middle of the 60-day lead, full through the
    # decline, half faded 30 days after the floor, gone 60 days after it
    assert strain[0].tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0])
    # sudden: rises over the last SUDDEN_STRESS_DAYS (45) before the card goes quiet
    assert strain[1][1] == 0.0 and strain[1][2] == pytest.approx(1 - 30 / 45) and strain[1][3] == 1.0
    assert not strain[2].any() and not strain[3].any()  # a dip that recovers, a steady customer


def test_customers_on_their_way_out_have_more_purchases_declined(clean_frames):
    customers, tx = clean_frames
    tx = tx.assign(day=pd.to_datetime(tx["transaction_date"].str.slice(0, 10)))
    last_90 = tx[tx["day"] > tx["day"].max() - pd.Timedelta(days=90)]
    declined = (last_90["status"] == "declined").groupby(last_90["customer_id"]).mean()
    current = customers.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    leaving = current["decline_type"].reindex(declined.index) != ""
    assert declined[leaving].mean() > declined[~leaving].mean() + 0.05
