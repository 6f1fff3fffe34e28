-- Successful interactive logins per user and day (SPEC §3 KPIs 3, 4, 7, 8, 15 and the user-level lists): a
-- 90-day question reads about users × days rows, not events. One row per user, day and the dashboard's filters
-- and breakdowns; `uid` is cityHash64(user_id), the join key of every per-user rollup.
--
-- pr_times / npr_times hold the times of the day's phishing-resistant / other logins. Only days on which the
-- user's passkey state changes (SPEC §2: registration, removal, first passkey login, end of the look-back) or
-- that follow a passkey failure read them; every other day is decided by its counts alone.
--
-- Backfill and re-runs: as in migration 004 (origin 1 = backfilled, deleted and redone on a re-run).
CREATE TABLE IF NOT EXISTS user_day_logins
(
    tenant        LowCardinality(String),
    day           Date,
    uid           UInt64,
    product       LowCardinality(String),
    method_class  LowCardinality(String),
    source        LowCardinality(String),
    os            LowCardinality(String),
    browser       LowCardinality(String),
    device_type   LowCardinality(String),
    department    LowCardinality(String),
    user_type     LowCardinality(String),
    privileged    UInt8,
    origin        UInt8,
    user_id       SimpleAggregateFunction(any, String),
    logins        SimpleAggregateFunction(sum, UInt64),
    pr_logins     SimpleAggregateFunction(sum, UInt64),
    last_login    SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    pr_times      SimpleAggregateFunction(groupArrayArray, Array(DateTime64(3, 'UTC'))),
    npr_times     SimpleAggregateFunction(groupArrayArray, Array(DateTime64(3, 'UTC')))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, uid, product, method_class, source, os, browser, device_type, department, user_type, privileged, origin);

CREATE MATERIALIZED VIEW IF NOT EXISTS user_day_logins_mv TO user_day_logins AS
SELECT tenant, toDate(ts) AS day, cityHash64(user_id) AS uid, product, method_class, source, os, browser, device_type,
       department, user_type, privileged, 0 AS origin,
       user_id, count() AS logins, countIf(phishing_resistant = 1) AS pr_logins, max(ts) AS last_login,
       groupArrayIf(ts, phishing_resistant = 1) AS pr_times, groupArrayIf(ts, phishing_resistant = 0) AS npr_times
FROM auth_events
WHERE event_type = 'login' AND outcome = 'success' AND method_class != 'token'
GROUP BY tenant, day, user_id, product, method_class, source, os, browser, device_type, department, user_type, privileged;

INSERT INTO rollup_backfills
SELECT 'user_day_logins', now64(3) WHERE (SELECT count() FROM rollup_backfills WHERE rollup = 'user_day_logins') = 0;

ALTER TABLE user_day_logins DELETE WHERE origin = 1 SETTINGS mutations_sync = 2;

INSERT INTO user_day_logins
SELECT tenant, toDate(ts) AS day, cityHash64(user_id) AS uid, product, method_class, source, os, browser, device_type,
       department, user_type, privileged, 1 AS origin,
       user_id, count() AS logins, countIf(phishing_resistant = 1) AS pr_logins, max(ts) AS last_login,
       groupArrayIf(ts, phishing_resistant = 1) AS pr_times, groupArrayIf(ts, phishing_resistant = 0) AS npr_times
FROM auth_events FINAL
WHERE event_type = 'login' AND outcome = 'success' AND method_class != 'token'
  AND ingested_at < (SELECT max(cutoff) FROM rollup_backfills WHERE rollup = 'user_day_logins')
GROUP BY tenant, day, user_id, product, method_class, source, os, browser, device_type, department, user_type, privileged;
