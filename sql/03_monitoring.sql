-- c360 cost and failure monitoring: a monthly credit quota that notifies, then suspends, the warehouse;
-- an alert that records every failed task of the nightly graph in C360.OPS.TASK_FAILURES.
-- Resource monitors need ACCOUNTADMIN; the alert is owned by C360_ADMIN (EXECUTE ALERT is granted in 01).
-- Every deploy sets the quota, the triggers and the alert again, so an edit here reaches the account.

USE ROLE ACCOUNTADMIN;

-- 20 credits a month is ~40 XSMALL hours: far above a nightly batch, low enough to stop a runaway query.
CREATE RESOURCE MONITOR IF NOT EXISTS C360_MONITOR WITH
    CREDIT_QUOTA = 20
    FREQUENCY = MONTHLY
    START_TIMESTAMP = IMMEDIATELY
    TRIGGERS
        ON 75 PERCENT DO NOTIFY
        ON 90 PERCENT DO NOTIFY
        ON 100 PERCENT DO SUSPEND
        ON 110 PERCENT DO SUSPEND_IMMEDIATE;
-- Quota and triggers (TRIGGERS replaces the whole list). Frequency and start stay as created: setting them
-- again would restart the monitoring period and forget the credits already used this month.
ALTER RESOURCE MONITOR C360_MONITOR SET
    CREDIT_QUOTA = 20
    TRIGGERS
        ON 75 PERCENT DO NOTIFY
        ON 90 PERCENT DO NOTIFY
        ON 100 PERCENT DO SUSPEND
        ON 110 PERCENT DO SUSPEND_IMMEDIATE;

ALTER WAREHOUSE C360_WH SET RESOURCE_MONITOR = C360_MONITOR;

USE ROLE C360_ADMIN;

CREATE TABLE IF NOT EXISTS C360.OPS.TASK_FAILURES (
    TASK_NAME VARCHAR,
    GRAPH_RUN_GROUP_ID VARCHAR,
    SCHEDULED_TIME TIMESTAMP_LTZ,
    COMPLETED_TIME TIMESTAMP_LTZ,
    ERROR_CODE VARCHAR,
    ERROR_MESSAGE VARCHAR,
    RECORDED_AT TIMESTAMP_LTZ
) COMMENT = 'one row per failed task run of the c360 nightly graph, written by C360.OPS.FAILED_TASK_ALERT';

-- Every 15 minutes: failed task runs of the graph in the last day that are not recorded yet. Comparing with
-- what is recorded (rather than with the alert's last run) keeps a re-created alert from missing or
-- repeating a failure.
CREATE OR REPLACE ALERT C360.OPS.FAILED_TASK_ALERT
    WAREHOUSE = C360_WH
    SCHEDULE = '15 MINUTE'
    COMMENT = 'records failed runs of the C360_NIGHTLY task graph'
    IF (EXISTS (
        SELECT 1
        FROM TABLE(C360.INFORMATION_SCHEMA.TASK_HISTORY(
            SCHEDULED_TIME_RANGE_START => DATEADD('day', -1, CURRENT_TIMESTAMP()),
            ERROR_ONLY => TRUE)) AS FAILED
        WHERE FAILED.NAME LIKE 'C360_NIGHTLY%'
          AND NOT EXISTS (
              SELECT 1 FROM C360.OPS.TASK_FAILURES AS RECORDED
              WHERE RECORDED.TASK_NAME = FAILED.NAME
                AND RECORDED.GRAPH_RUN_GROUP_ID = FAILED.GRAPH_RUN_GROUP_ID
                AND RECORDED.SCHEDULED_TIME = FAILED.SCHEDULED_TIME)
    ))
    THEN
        INSERT INTO C360.OPS.TASK_FAILURES
        SELECT FAILED.NAME, FAILED.GRAPH_RUN_GROUP_ID, FAILED.SCHEDULED_TIME, FAILED.COMPLETED_TIME,
               FAILED.ERROR_CODE, FAILED.ERROR_MESSAGE, CURRENT_TIMESTAMP()
        FROM TABLE(C360.INFORMATION_SCHEMA.TASK_HISTORY(
            SCHEDULED_TIME_RANGE_START => DATEADD('day', -1, CURRENT_TIMESTAMP()),
            ERROR_ONLY => TRUE)) AS FAILED
        WHERE FAILED.NAME LIKE 'C360_NIGHTLY%'
          AND NOT EXISTS (
              SELECT 1 FROM C360.OPS.TASK_FAILURES AS RECORDED
              WHERE RECORDED.TASK_NAME = FAILED.NAME
                AND RECORDED.GRAPH_RUN_GROUP_ID = FAILED.GRAPH_RUN_GROUP_ID
                AND RECORDED.SCHEDULED_TIME = FAILED.SCHEDULED_TIME);

-- An alert is created suspended, also when it is replaced.
ALTER ALERT C360.OPS.FAILED_TASK_ALERT RESUME;
