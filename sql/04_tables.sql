-- c360 tables that benefit from DDL the DataFrame steps do not express: the OPS ledgers (append-only,
-- written by every run) and the clustering key of the fact table. The pipeline creates every other table.

USE ROLE C360_ADMIN;

CREATE TABLE IF NOT EXISTS C360.OPS.PIPELINE_RUNS (
    RUN_ID VARCHAR NOT NULL,
    STEP VARCHAR NOT NULL,
    STATUS VARCHAR NOT NULL,
    AS_OF_DATE VARCHAR,
    STARTED_AT TIMESTAMP_NTZ,
    FINISHED_AT TIMESTAMP_NTZ,
    SECONDS FLOAT,
    ROWS_IN NUMBER(38, 0),
    ROWS_OUT NUMBER(38, 0),
    ROWS_REJECTED NUMBER(38, 0),
    MESSAGE VARCHAR,
    DETAILS VARCHAR
) COMMENT = 'one row per step per pipeline run: status, timings, row counts, message';

CREATE TABLE IF NOT EXISTS C360.OPS.DQ_RESULTS (
    RUN_ID VARCHAR NOT NULL,
    CHECK_NAME VARCHAR NOT NULL,
    TABLE_NAME VARCHAR NOT NULL,
    SEVERITY VARCHAR NOT NULL,
    FAILING_ROWS NUMBER(38, 0),
    STATUS VARCHAR NOT NULL,
    CHECKED_AT TIMESTAMP_NTZ
) COMMENT = 'one row per data-quality check per run';

CREATE TABLE IF NOT EXISTS C360.OPS.LOADED_FILES (
    FILE_NAME VARCHAR NOT NULL,
    CHECKSUM VARCHAR NOT NULL,
    TARGET_TABLE VARCHAR,
    BATCH_ID VARCHAR,
    ROWS_LOADED NUMBER(38, 0),
    STATUS VARCHAR,
    MESSAGE VARCHAR,
    LOADED_AT TIMESTAMP_NTZ
) COMMENT = 'one row per raw file seen by ingest_bronze: loaded or refused, with its checksum';

-- Queries filter transactions by day; clustering on the day keeps those scans to a few micro-partitions.
CREATE TABLE IF NOT EXISTS C360.GOLD.FCT_TRANSACTIONS (
    TRANSACTION_KEY NUMBER(38, 0),
    TRANSACTION_ID VARCHAR,
    CUSTOMER_KEY NUMBER(38, 0),
    CUSTOMER_ID VARCHAR,
    DATE_KEY NUMBER(38, 0),
    MERCHANT_CATEGORY_KEY NUMBER(38, 0),
    MERCHANT_CATEGORY VARCHAR,
    MERCHANT_NAME VARCHAR,
    TRANSACTION_AMOUNT NUMBER(12, 2),
    STATUS VARCHAR,
    CHANNEL VARCHAR,
    TRANSACTION_DATE TIMESTAMP_NTZ,
    _BATCH_ID VARCHAR
) CLUSTER BY (TRANSACTION_DATE::DATE)
  COMMENT = 'one row per transaction; keys to the customer version valid on the transaction day';
