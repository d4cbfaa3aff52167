-- c360 account setup: database, medallion schemas, warehouse, file formats, stages and the bronze record-id sequence.
-- Run by `c360 deploy` (or `snow sql -f sql/00_setup.sql`) as a role that may create databases and warehouses.
-- Every statement is idempotent: re-running the file changes nothing that exists, except the warehouse
-- settings, which are set again so that an edit here reaches the account on the next deploy.

USE ROLE SYSADMIN;

CREATE DATABASE IF NOT EXISTS C360 COMMENT = 'c360 Customer 360 analytics pipeline';

CREATE SCHEMA IF NOT EXISTS C360.BRONZE COMMENT = 'raw customer and transaction records as delivered, every value as text';
CREATE SCHEMA IF NOT EXISTS C360.SILVER COMMENT = 'cleaned, typed and deduplicated records; rejected records with reasons';
CREATE SCHEMA IF NOT EXISTS C360.GOLD COMMENT = 'star schema, segments, hero metrics, churn scores, customer 360 profile';
CREATE SCHEMA IF NOT EXISTS C360.OPS COMMENT = 'pipeline runs, data-quality results, procedures, task graph, stages';

-- XSMALL is enough for the nightly batch; it suspends after a minute idle so nights cost minutes, not hours.
CREATE WAREHOUSE IF NOT EXISTS C360_WH WITH
    WAREHOUSE_SIZE = 'XSMALL'
    AUTO_SUSPEND = 60
    AUTO_RESUME = TRUE
    INITIALLY_SUSPENDED = TRUE
    COMMENT = 'c360 pipeline, tasks and Streamlit app';
ALTER WAREHOUSE C360_WH SET
    WAREHOUSE_SIZE = 'XSMALL'
    AUTO_SUSPEND = 60
    AUTO_RESUME = TRUE;

-- Raw files: CSV with a header row (UTF-8), or Parquet, in the documented raw layout.
CREATE FILE FORMAT IF NOT EXISTS C360.BRONZE.CSV_FORMAT
    TYPE = CSV
    SKIP_HEADER = 1
    FIELD_OPTIONALLY_ENCLOSED_BY = '"'
    EMPTY_FIELD_AS_NULL = TRUE
    ENCODING = 'UTF8'
    COMMENT = 'raw CSV files: header row, optional double quotes, empty field is NULL';
CREATE FILE FORMAT IF NOT EXISTS C360.BRONZE.PARQUET_FORMAT
    TYPE = PARQUET
    COMMENT = 'raw Parquet files';

CREATE STAGE IF NOT EXISTS C360.BRONZE.LANDING
    FILE_FORMAT = C360.BRONZE.CSV_FORMAT
    DIRECTORY = (ENABLE = TRUE)
    COMMENT = 'landing zone: customers_<BATCH>.csv and transactions_<BATCH>_<PART>.csv';
CREATE STAGE IF NOT EXISTS C360.OPS.CODE
    COMMENT = 'zipped code imported by the stored procedures: the c360_pipeline package and the handlers';
CREATE STAGE IF NOT EXISTS C360.OPS.SEMANTIC
    DIRECTORY = (ENABLE = TRUE)
    COMMENT = 'semantic_model.yaml for Cortex Analyst, rendered for this database by c360 deploy';
CREATE STAGE IF NOT EXISTS C360.OPS.APP
    COMMENT = 'Streamlit in Snowflake app files';
CREATE STAGE IF NOT EXISTS C360.OPS.MODELS
    COMMENT = 'churn model artifacts, one folder per model version';

-- Gives every bronze record a unique, increasing _RECORD_ID across batches and files.
CREATE SEQUENCE IF NOT EXISTS C360.BRONZE.RECORD_ID_SEQ
    START = 1
    INCREMENT = 1
    COMMENT = 'bronze _RECORD_ID';
