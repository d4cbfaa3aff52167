"""Silver classification on tiny explicit frames: each raw record is staged, a duplicate or rejected, once.

The rules are the documented ones (`transforms.silver`): the first failing rule is the reason; a valid
transaction of an unstaged customer is `unknown_customer`; a transaction_id delivered earlier in the same
load or staged already makes the later acceptable delivery a duplicate; customers repeat by
(customer_id, updated_at).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline import engine
from c360_pipeline.transforms import silver

RAW_TRANSACTION_SCHEMA = StructType(
    [StructField(name, StringType()) for name in silver.TRANSACTION_TEXT_COLUMNS]
    + [StructField("_BATCH_ID", StringType()), StructField("_SOURCE", StringType()),
       StructField("_ROW_NUMBER", LongType()), StructField("_RECORD_ID", LongType())]
)


def raw_transactions(session, rows):
    """Rows: (record id, transaction id, customer id, date text, amount text)."""
    frame = pd.DataFrame(
        [{"TRANSACTION_ID": txn, "CUSTOMER_ID": customer, "TRANSACTION_DATE": when, "TRANSACTION_AMOUNT": amount,
          "MERCHANT_NAME": "Corner Grocer", "MERCHANT_CATEGORY": "Grocery Stores", "CHANNEL": "mobile",
          "STATUS": "Approved", "_BATCH_ID": "20250630", "_SOURCE": "transactions_20250630_001.csv",
          "_ROW_NUMBER": record, "_RECORD_ID": record}
         for record, txn, customer, when, amount in rows]
    )
    return engine.dataframe(session, frame, RAW_TRANSACTION_SCHEMA)


def ids(session, column: str, value: str):
    return engine.dataframe(session, pd.DataFrame({column: [value]}), StructType([StructField(column, StringType())]))


def outcomes(classified) -> dict[int, tuple[str, str | None]]:
    rows = classified.select("_RECORD_ID", "_OUTCOME", "_REJECT_REASON").collect()
    return {row["_RECORD_ID"]: (row["_OUTCOME"], row["_REJECT_REASON"]) for row in rows}


def test_each_transaction_record_gets_one_outcome_by_the_documented_rules(session):
    raw = raw_transactions(session, [
        (1, "T-1", "cust00000001", "2025-06-01 10:00:00", "40.00"),   # staged (customer id upper-cased)
        (2, "T-1", "CUST00000001", "2025-06-01 10:00:00", "40.00"),   # same id again in this load
        (3, "T-2", "CUST00000001", "2025-06-02 10:00:00", "abc"),     # unparsable amount
        (4, "T-3", "CUST00000009", "2025-06-02 10:00:00", "12.50"),   # customer never staged
        (5, "T-4", "CUST00000001", "2025-07-05 10:00:00", "12.50"),   # after as_of
        (6, "T-0", "CUST00000001", "2025-05-01 10:00:00", "9.99"),    # staged by an earlier run
        (7, "T-5", "CUST00000001", "", "9.99"),                       # no date
        (8, "T-6", "CUST00000001", "2025-06-03 10:00:00", "-5"),      # refund-like amount
        (9, "T-2", "CUST00000001", "2025-06-02 10:00:00", "20.00"),   # first acceptable delivery of T-2
    ])
    customers = ids(session, "CUSTOMER_ID", "CUST00000001")
    staged_before = ids(session, "TRANSACTION_ID", "T-0")
    classified = silver.classified_transactions(
        silver.typed_transactions(raw), silver.transaction_rules(date(2025, 6, 30)), customers, staged_before)

    assert outcomes(classified) == {
        1: ("staged", None),
        2: ("duplicate", None),
        3: ("rejected", "unparsable_amount"),
        4: ("rejected", "unknown_customer"),
        5: ("rejected", "future_date"),
        6: ("duplicate", None),
        7: ("rejected", "missing_transaction_date"),
        8: ("rejected", "non_positive_amount"),
        9: ("staged", None),
    }
    staged = silver.staged_transactions(classified).to_pandas()
    assert sorted(staged["TRANSACTION_ID"]) == ["T-1", "T-2"]
    assert staged.set_index("TRANSACTION_ID").loc["T-2", "TRANSACTION_AMOUNT"] == 20
    assert set(staged["CHANNEL"]) == {"Mobile"} and set(staged["STATUS"]) == {"approved"}


def test_without_staged_customers_every_valid_transaction_is_an_unknown_customer(session):
    raw = raw_transactions(session, [(1, "T-1", "CUST00000001", "2025-06-01 10:00:00", "40.00"),
                                     (2, "T-2", "", "2025-06-01 10:00:00", "40.00")])
    classified = silver.classified_transactions(
        silver.typed_transactions(raw), silver.transaction_rules(date(2025, 6, 30)), None, None)
    assert outcomes(classified) == {1: ("rejected", "unknown_customer"), 2: ("rejected", "missing_customer_id")}


def test_a_rejected_transaction_keeps_its_raw_text_file_and_row(session):
    raw = raw_transactions(session, [(7, "T-5", "CUST00000001", "yesterday", "9.99")])
    customers = ids(session, "CUSTOMER_ID", "CUST00000001")
    classified = silver.classified_transactions(
        silver.typed_transactions(raw), silver.transaction_rules(date(2025, 6, 30)), customers, None)
    refused = silver.with_raw_text(classified, raw, list(silver.TRANSACTION_TEXT_COLUMNS))
    row = silver.rejected_records(refused, "RAW_TRANSACTIONS", "TRANSACTION_ID", list(silver.TRANSACTION_TEXT_COLUMNS),
                                  pd.Timestamp("2025-06-30 23:00:00").to_pydatetime()).collect()[0]
    assert (row["SOURCE_FILE"], row["ROW_NUMBER"], row["RECORD_KEY"]) == ("transactions_20250630_001.csv", 7, "T-5")
    assert (row["REJECT_REASON"], row["REJECT_COLUMN"]) == ("unparsable_date", "transaction_date")
    assert "transaction_date=yesterday" in row["RAW_PAYLOAD"]


CUSTOMER_SCHEMA = StructType(
    [StructField(name, StringType()) for name in silver.CUSTOMER_TEXT_COLUMNS]
    + [StructField("_BATCH_ID", StringType()), StructField("_SOURCE", StringType()),
       StructField("_ROW_NUMBER", LongType()), StructField("_RECORD_ID", LongType())]
)


def test_a_customer_repeats_only_with_the_same_updated_at(session):
    def record(record_id, customer_id, updated_at, age="34"):
        return {"CUSTOMER_ID": customer_id, "FIRST_NAME": "ana", "LAST_NAME": "lopez", "EMAIL": "Ana@Example.com",
                "AGE": age, "STATE": "ca", "CITY": "Fresno", "EMPLOYMENT_STATUS": "Employed", "CARD_TYPE": "gold",
                "CREDIT_LIMIT": "5000", "ACCOUNT_OPEN_DATE": "2020-01-01", "UPDATED_AT": updated_at,
                "_BATCH_ID": "20250630", "_SOURCE": "customers_20250630.csv", "_ROW_NUMBER": record_id,
                "_RECORD_ID": record_id}

    raw = engine.dataframe(session, pd.DataFrame([
        record(1, "CUST00000001", "2025-06-01 00:00:00"),
        record(2, "CUST00000001", "2025-06-01 00:00:00"),   # the same state delivered twice
        record(3, "CUST00000001", "2025-06-20 00:00:00"),   # a new state: staged
        record(4, "CUST00000002", "2025-06-01 00:00:00", age="7"),
        record(5, "CUST00000003", "2025-05-01 00:00:00"),   # staged by an earlier run
    ]), CUSTOMER_SCHEMA)
    staged_before = engine.dataframe(
        session, pd.DataFrame({"CUSTOMER_ID": ["CUST00000003"], "UPDATED_AT": [pd.Timestamp("2025-05-01")]}),
        StructType([StructField("CUSTOMER_ID", StringType()), StructField("UPDATED_AT", TimestampType())]))
    classified = silver.classified_customers(silver.typed_customers(raw), silver.customer_rules(), staged_before)

    assert outcomes(classified) == {1: ("staged", None), 2: ("duplicate", None), 3: ("staged", None),
                                    4: ("rejected", "invalid_age"), 5: ("duplicate", None)}
    staged = silver.staged_customers(classified).to_pandas()
    assert list(staged["STATE"].unique()) == ["CA"] and list(staged["CARD_TYPE"].unique()) == ["Gold"]
