"""Synthetic raw data for c360: customers with card / credit-limit history and their card transactions,
generated vectorised (NumPy, Arrow) from behavioural archetypes, with Faker name pools.

Raw layout (what `c360 generate` writes and bronze ingests)
------------------------------------------------------------
A directory holding `manifest.json` and data files, named so that lexical order is delivery order:

- `customers_<BATCH>.<ext>`: customer records; `transactions_<BATCH>_<PART>.<ext>`: transactions, PART
  `001`, `002`, ... of at most 1,000,000 rows each. BATCH is `YYYYMMDD` of the batch's last day: the
  initial batch is named after as_of, each continuation day after that day (a continuation day has a
  customers file only when it has new customers or attribute changes).
- ext is `csv` (UTF-8, header row, comma, "\\n" line ends, fields quoted only when they contain a comma,
  quote or line break) or `parquet` (every column a string column). Every value is text, as a bank
  would deliver it: the pipeline parses and validates. A blank field is an empty string.
- customers columns: customer_id (`CUST` + 8 digits), first_name, last_name, email, age (18-85), state
  (2-letter code), city, employment_status, card_type, credit_limit (`12000.00`), account_open_date
  (`YYYY-MM-DD`), customer_segment (the archetype: a catalog.SEGMENTS name), decline_type (`gradual`,
  `sudden` or empty), updated_at (`YYYY-MM-DD HH:MM:SS`). customer_segment and decline_type are truth
  columns for evaluation only. A customer appears once per version: first at account opening
  (updated_at = account_open_date 00:00:00, so the customer's first transactions fall inside it),
  again with a later updated_at whenever card_type and/or credit_limit changes (~20% of customers
  have 1-3 changes within the data range; more arrive in continuation); other attributes repeat.
- transactions columns: transaction_id (`TXN` + 12 digits, unique across the world and its
  continuations), customer_id, transaction_date (`YYYY-MM-DD HH:MM:SS`), transaction_amount (2
  decimals), merchant_name, merchant_category (a catalog category), channel (catalog.CHANNELS),
  status (`approved` ~95% / `declined`). Dates fall on or after account opening and on or before as_of.
- manifest.json: `parameters` (seed, customers, as_of, days, format, dirty_rate of the initial
  batch), `first_date`, `as_of` (last day delivered), `state` (next transaction / customer number for
  continuation), `batches` (per batch: dates, files with row counts, clean row count, dirt counts) and
  `dirt` (totals per kind over all batches).

Dirty records (rate `dirty_rate` of transaction records and of customer records, exact counts in the
manifest and GenerationSummary.dirt): duplicate_transaction (an exact copy of a row, in the same file
or, in continuation, re-delivered in the next day's file), missing_field (blank transaction_id,
customer_id, transaction_date or transaction_amount), non_positive_amount (`0.00` or negative),
unparsable_date (`2024-13-45`, `not a date`, `31/02/2024`), future_date (1-3 years after the batch
day), unknown_customer (`CUST9xxxxxxx`, never issued), unknown_status (`pending`, `reversed`,
`on_hold`), unknown_channel (`ATM`, `Kiosk`, `Mail Order`); for customers customer_missing_id,
customer_bad_date (unparsable account_open_date) and messy_case_whitespace (state / email with odd case
and surrounding spaces, to be cleaned, not refused). All kinds except messy_case_whitespace are extra
rows: the clean records are all still there, each dirty row has exactly one defect.

Same arguments give byte-identical files: every random draw comes from NumPy generators seeded with
(seed, purpose[, chunk or day]) and Faker is seeded per instance; nothing reads the clock.
"""

from importlib import import_module

from c360_pipeline.generator.manifest import read_manifest

# Resolved on first use (PEP 562): reading a manifest does not import NumPy, Faker and the behaviour model.
_LAZY = {
    "DIRT_KINDS": "c360_pipeline.generator.dirt",
    "DEFAULT_AS_OF": "c360_pipeline.generator.world",
    "DEFAULT_DAYS": "c360_pipeline.generator.world",
    "GenerationSummary": "c360_pipeline.generator.world",
    "continue_world": "c360_pipeline.generator.world",
    "generate_world": "c360_pipeline.generator.world",
}

__all__ = [
    "DEFAULT_AS_OF", "DEFAULT_DAYS", "DIRT_KINDS", "GenerationSummary", "continue_world", "generate_world", "read_manifest",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
