-- c360 PII protection: masking policies on email and names. Roles without C360_PII_READER in the session
-- (analysts, engineers) see masked values; C360_ADMIN — and the procedures it owns, which build the
-- tables — see the real ones, so SCD2 row hashes and joins are computed on real values.
--
-- A policy is created once; every deploy then sets its body and comment again, so an edited policy reaches
-- the account (a policy attached to a column cannot be replaced, only altered). Keep each CREATE body and
-- its SET BODY identical: tests/deploy/test_sql.py compares them.
--
-- sql/05_masking.sql attaches the policies to the columns that hold PII (after sql/04_tables.sql has
-- created the bronze tables); the pipeline attaches them to the tables it creates.

USE ROLE C360_ADMIN;

CREATE MASKING POLICY IF NOT EXISTS C360.OPS.MASK_EMAIL AS (val STRING) RETURNS STRING ->
    CASE
        WHEN val IS NULL THEN NULL
        WHEN IS_ROLE_IN_SESSION('C360_PII_READER') THEN val
        -- keep the domain: analysts may still group by email provider
        ELSE REGEXP_REPLACE(val, '^[^@]+', '*****')
    END
    COMMENT = 'email: local part masked unless C360_PII_READER is in the session';
ALTER MASKING POLICY C360.OPS.MASK_EMAIL SET BODY ->
    CASE
        WHEN val IS NULL THEN NULL
        WHEN IS_ROLE_IN_SESSION('C360_PII_READER') THEN val
        -- keep the domain: analysts may still group by email provider
        ELSE REGEXP_REPLACE(val, '^[^@]+', '*****')
    END;
ALTER MASKING POLICY C360.OPS.MASK_EMAIL SET COMMENT = 'email: local part masked unless C360_PII_READER is in the session';

CREATE MASKING POLICY IF NOT EXISTS C360.OPS.MASK_NAME AS (val STRING) RETURNS STRING ->
    CASE
        WHEN val IS NULL THEN NULL
        WHEN IS_ROLE_IN_SESSION('C360_PII_READER') THEN val
        -- the initial keeps lists readable without identifying anyone
        ELSE CONCAT(LEFT(val, 1), '***')
    END
    COMMENT = 'first, last and full names: initial only unless C360_PII_READER is in the session';
ALTER MASKING POLICY C360.OPS.MASK_NAME SET BODY ->
    CASE
        WHEN val IS NULL THEN NULL
        WHEN IS_ROLE_IN_SESSION('C360_PII_READER') THEN val
        -- the initial keeps lists readable without identifying anyone
        ELSE CONCAT(LEFT(val, 1), '***')
    END;
ALTER MASKING POLICY C360.OPS.MASK_NAME SET COMMENT = 'first, last and full names: initial only unless C360_PII_READER is in the session';
