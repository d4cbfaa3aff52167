-- c360 tables that benefit from DDL the DataFrame steps do not express: the bronze landing tables (their
-- _RECORD_ID comes from the bronze record-id sequence of sql/00_setup.sql, which COPY INTO fills), the
-- OPS ledgers (append-only, written by every run) and the clustering key of the fact table. The
-- pipeline creates every other table (and, on the local engine, these with the same columns).

USE ROLE C360_ADMIN;

-- Raw records as delivered: every business column as text, then where each row came from.
CREATE TABLE IF NOT EXISTS C360.BRONZE.RAW_CUSTOMERS (
    CUSTOMER_ID VARCHAR,
    FIRST_NAME VARCHAR,
    LAST_NAME VARCHAR,
    EMAIL VARCHAR,
    AGE VARCHAR,
    STATE VARCHAR,
    CITY VARCHAR,
    EMPLOYMENT_STATUS VARCHAR,
    CARD_TYPE VARCHAR,
    CREDIT_LIMIT VARCHAR,
    ACCOUNT_OPEN_DATE VARCHAR,
    CUSTOMER_SEGMENT VARCHAR,
    DECLINE_TYPE VARCHAR,
    UPDATED_AT VARCHAR,
    _BATCH_ID VARCHAR,
    _SOURCE VARCHAR,
    _ROW_NUMBER NUMBER(38, 0),
    _RECORD_ID NUMBER(38, 0) DEFAULT C360.BRONZE.RECORD_ID_SEQ.NEXTVAL,
    _LOADED_AT TIMESTAMP_NTZ
) COMMENT = 'one row per customer record as delivered, every value as text';

CREATE TABLE IF NOT EXISTS C360.BRONZE.RAW_TRANSACTIONS (
    TRANSACTION_ID VARCHAR,
    CUSTOMER_ID VARCHAR,
    TRANSACTION_DATE VARCHAR,
    TRANSACTION_AMOUNT VARCHAR,
    MERCHANT_NAME VARCHAR,
    MERCHANT_CATEGORY VARCHAR,
    CHANNEL VARCHAR,
    STATUS VARCHAR,
    _BATCH_ID VARCHAR,
    _SOURCE VARCHAR,
    _ROW_NUMBER NUMBER(38, 0),
    _RECORD_ID NUMBER(38, 0) DEFAULT C360.BRONZE.RECORD_ID_SEQ.NEXTVAL,
    _LOADED_AT TIMESTAMP_NTZ
) COMMENT = 'one row per transaction record as delivered, every value as text';

-- Rows of a landed file that could not be read as a record (ON_ERROR = CONTINUE); stage_silver turns
-- them into SILVER.REJECTED_RECORDS with their rule.
CREATE TABLE IF NOT EXISTS C360.BRONZE.RAW_REJECTS (
    FILE_NAME VARCHAR NOT NULL,
    TARGET_TABLE VARCHAR NOT NULL,
    BATCH_ID VARCHAR NOT NULL,
    LINE_NUMBER NUMBER(38, 0),
    ROW_NUMBER NUMBER(38, 0),
    REJECT_REASON VARCHAR NOT NULL,
    REJECT_COLUMN VARCHAR,
    ERROR_MESSAGE VARCHAR,
    RAW_TEXT VARCHAR(1000),
    _RECORD_ID NUMBER(38, 0) DEFAULT C360.BRONZE.RECORD_ID_SEQ.NEXTVAL,
    _LOADED_AT TIMESTAMP_NTZ
) COMMENT = 'one row per raw row quarantined at ingest: file, line, rule, parser message, text (1,000 characters at most)';

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
    LOADED_AT TIMESTAMP_NTZ,
    ROWS_REJECTED NUMBER(38, 0)
) COMMENT = 'one row per landed file seen by ingest_bronze: loaded (rows loaded and quarantined) or refused with the reason';

CREATE TABLE IF NOT EXISTS C360.OPS.BATCH_ACCOUNTING (
    SOURCE_TABLE VARCHAR NOT NULL,
    BATCH_ID VARCHAR NOT NULL,
    ROWS_READ NUMBER(38, 0) NOT NULL,
    ROWS_STAGED NUMBER(38, 0) NOT NULL,
    ROWS_DUPLICATE NUMBER(38, 0) NOT NULL,
    ROWS_REJECTED NUMBER(38, 0) NOT NULL,
    ROWS_QUARANTINED NUMBER(38, 0),
    PROCESSED_AT TIMESTAMP_NTZ
) COMMENT = 'one row per source table per batch per stage_silver run: rows read = staged + duplicates + rejected';

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

-- Streamed transactions as delivered (c360 stream): the transactions file's columns as text, then the Kafka
-- channel (topic-partition), offset (the Snowpipe Streaming offset token) and times. Written through the
-- table's default pipe (RAW_TRANSACTIONS_STREAM-STREAMING); change tracking feeds the dynamic table
-- GOLD.DT_CUSTOMER_DAILY_SPEND, which `c360 deploy` creates.
CREATE TABLE IF NOT EXISTS C360.BRONZE.RAW_TRANSACTIONS_STREAM (
    TRANSACTION_ID VARCHAR,
    CUSTOMER_ID VARCHAR,
    TRANSACTION_DATE VARCHAR,
    TRANSACTION_AMOUNT VARCHAR,
    MERCHANT_NAME VARCHAR,
    MERCHANT_CATEGORY VARCHAR,
    CHANNEL VARCHAR,
    STATUS VARCHAR,
    _CHANNEL VARCHAR,
    _TOPIC VARCHAR,
    _PARTITION NUMBER(38, 0),
    _OFFSET NUMBER(38, 0),
    _PRODUCED_AT TIMESTAMP_NTZ,
    _INGESTED_AT TIMESTAMP_NTZ,
    _STREAM_ROW NUMBER(38, 0)
) CHANGE_TRACKING = TRUE
  COMMENT = 'one row per streamed transaction event accepted by the silver rules, as delivered';
