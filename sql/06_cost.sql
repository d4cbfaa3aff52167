-- c360 cost guardrails beside the resource monitor of 03_monitoring.sql (which stays: it suspends the warehouse
-- at 20 credits a month): a budget on the c360 warehouse that notifies when the month's spend is projected past
-- its 15-credit limit, and an hourly alert that records credit spikes in C360.OPS.COST_EVENTS and notifies.
-- Every statement converges on a re-deploy (IF NOT EXISTS, OR REPLACE, setters, and a resource added once).
-- Notifications go to the email integration C360_COST_NOTIFY; an account admin names its recipients once:
--   ALTER NOTIFICATION INTEGRATION C360_COST_NOTIFY SET DEFAULT_RECIPIENTS = ('finops@example.com');
--   CALL C360.OPS.C360_BUDGET!SET_EMAIL_NOTIFICATIONS('C360_COST_NOTIFY', 'finops@example.com');
-- The spike rule's numbers (2.0 × the average of the 7 metered days before, at least 0.5 credits) are
-- PipelineConfig.cost's defaults, and c360_pipeline.cost.guardrails.credit_spikes applies the same rule.

USE ROLE ACCOUNTADMIN;

GRANT DATABASE ROLE SNOWFLAKE.BUDGET_CREATOR TO ROLE C360_ADMIN;
GRANT APPLYBUDGET ON WAREHOUSE C360_WH TO ROLE C360_ADMIN;
-- ACCOUNT_USAGE (metering, query history, Cortex usage) for the alert.
GRANT IMPORTED PRIVILEGES ON DATABASE SNOWFLAKE TO ROLE C360_ADMIN;
-- The app's owner (whose rights every viewer of the app gets) sees the usage views for the Cost tab, not
-- QUERY_HISTORY (its query texts can hold customers' data): on the account, credits by step need the
-- GOVERNANCE_VIEWER database role, which an admin may grant deliberately.
GRANT DATABASE ROLE SNOWFLAKE.USAGE_VIEWER TO ROLE C360_APP_OWNER;

CREATE NOTIFICATION INTEGRATION IF NOT EXISTS C360_COST_NOTIFY
    TYPE = EMAIL
    ENABLED = TRUE
    COMMENT = 'c360 budget and credit-spike notifications; set DEFAULT_RECIPIENTS to the people who act on them';
GRANT USAGE ON INTEGRATION C360_COST_NOTIFY TO ROLE C360_ADMIN;
GRANT USAGE ON INTEGRATION C360_COST_NOTIFY TO APPLICATION SNOWFLAKE;

USE ROLE C360_ADMIN;

CREATE TABLE IF NOT EXISTS C360.OPS.COST_EVENTS (
    EVENT_TYPE VARCHAR,
    EVENT_DAY DATE,
    WAREHOUSE_NAME VARCHAR,
    CREDITS NUMBER(38, 9),
    BASELINE NUMBER(38, 9),
    MESSAGE VARCHAR,
    RECORDED_AT TIMESTAMP_LTZ
) COMMENT = 'one row per cost event (a credit spike of the c360 warehouse), written by C360.OPS.CREDIT_SPIKE_ALERT';

-- The budget: a monthly spending limit in credits, with the c360 warehouse as its resource.
CREATE SNOWFLAKE.CORE.BUDGET IF NOT EXISTS C360.OPS.C360_BUDGET()
    COMMENT = 'c360: monthly credits of the C360_WH warehouse';
CALL C360.OPS.C360_BUDGET!SET_SPENDING_LIMIT(15);
-- ADD_RESOURCE refuses a resource the budget already has: add the warehouse only when it is not linked yet.
EXECUTE IMMEDIATE $$
BEGIN
    CALL C360.OPS.C360_BUDGET!GET_LINKED_RESOURCES();
    LET linked INTEGER := (SELECT COUNT(*) FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))
                           WHERE "DOMAIN" = 'WAREHOUSE' AND "NAME" = 'C360_WH');
    IF (linked = 0) THEN
        CALL C360.OPS.C360_BUDGET!ADD_RESOURCE(SYSTEM$REFERENCE('WAREHOUSE', 'C360_WH', 'SESSION', 'APPLYBUDGET'));
    END IF;
    RETURN 'C360_WH is a resource of C360.OPS.C360_BUDGET';
END;
$$;

-- Days on which the c360 warehouse used more than twice the average of the 7 metered days before
-- (and at least 0.5 credits), over the last 37 days.
CREATE OR REPLACE VIEW C360.OPS.CREDIT_SPIKES
    COMMENT = 'days whose C360_WH credits exceed 2x the average of the 7 metered days before (at least 0.5 credits)'
AS
WITH DAILY AS (
    SELECT TO_DATE(START_TIME) AS DAY, SUM(CREDITS_USED) AS CREDITS
    FROM SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY
    WHERE WAREHOUSE_NAME = 'C360_WH'
      AND START_TIME >= DATEADD('day', -37, CURRENT_DATE())
    GROUP BY TO_DATE(START_TIME)
), WITH_BASELINE AS (
    SELECT DAY, CREDITS,
           AVG(CREDITS) OVER (ORDER BY DAY ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BASELINE
    FROM DAILY
)
SELECT DAY, CREDITS, BASELINE
FROM WITH_BASELINE
WHERE BASELINE IS NOT NULL AND CREDITS > 2.0 * BASELINE AND CREDITS >= 0.5;

-- Every hour: spikes not recorded yet go to COST_EVENTS, and the integration's recipients are told.
CREATE OR REPLACE ALERT C360.OPS.CREDIT_SPIKE_ALERT
    WAREHOUSE = C360_WH
    SCHEDULE = '60 MINUTE'
    COMMENT = 'records credit spikes of C360_WH in C360.OPS.COST_EVENTS and notifies C360_COST_NOTIFY'
    IF (EXISTS (
        SELECT 1 FROM C360.OPS.CREDIT_SPIKES AS SPIKE
        WHERE NOT EXISTS (
            SELECT 1 FROM C360.OPS.COST_EVENTS AS RECORDED
            WHERE RECORDED.EVENT_TYPE = 'credit_spike' AND RECORDED.EVENT_DAY = SPIKE.DAY)
    ))
    THEN EXECUTE IMMEDIATE $$
    BEGIN
        INSERT INTO C360.OPS.COST_EVENTS (EVENT_TYPE, EVENT_DAY, WAREHOUSE_NAME, CREDITS, BASELINE, MESSAGE, RECORDED_AT)
        SELECT 'credit_spike', SPIKE.DAY, 'C360_WH', SPIKE.CREDITS, SPIKE.BASELINE,
               'C360_WH used ' || TO_VARCHAR(ROUND(SPIKE.CREDITS, 2)) || ' credits on ' || TO_VARCHAR(SPIKE.DAY)
               || ', ' || TO_VARCHAR(ROUND(SPIKE.CREDITS / SPIKE.BASELINE, 1)) || 'x the average of the 7 days before',
               CURRENT_TIMESTAMP()
        FROM C360.OPS.CREDIT_SPIKES AS SPIKE
        WHERE NOT EXISTS (
            SELECT 1 FROM C360.OPS.COST_EVENTS AS RECORDED
            WHERE RECORDED.EVENT_TYPE = 'credit_spike' AND RECORDED.EVENT_DAY = SPIKE.DAY);
        CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
            SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('c360: a credit spike of C360_WH was recorded in C360.OPS.COST_EVENTS'),
            SNOWFLAKE.NOTIFICATION.INTEGRATION('C360_COST_NOTIFY'));
    END;
    $$;

-- An alert is created suspended, also when it is replaced.
ALTER ALERT C360.OPS.CREDIT_SPIKE_ALERT RESUME;
