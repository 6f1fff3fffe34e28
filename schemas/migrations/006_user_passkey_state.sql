-- What SPEC §2 "has a passkey at time t" needs, per user (uid = cityHash64(user_id)), independent of filters:
--  * user_passkey_days: per user and day, the first and last successful passkey login (a passkey login before t,
--    within the look-back, means a passkey), their count, and the times of failed passkey attempts (for
--    fallbacks after failure; a phishing_blocked refusal is not a failed attempt of the user's own sign-in);
--  * user_passkey_changes: every passkey_registered / passkey_removed, kept whole (rare), since a registration
--    counts however long ago it was.
-- Backfill and re-runs: as in migration 004 (origin 1 = backfilled, deleted and redone on a re-run).
CREATE TABLE IF NOT EXISTS user_passkey_days
(
    tenant       LowCardinality(String),
    day          Date,
    uid          UInt64,
    origin       UInt8,
    pk_logins    SimpleAggregateFunction(sum, UInt64),
    pk_first     SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    pk_last      SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    pk_failures  SimpleAggregateFunction(groupArrayArray, Array(DateTime64(3, 'UTC')))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, uid, origin);

CREATE TABLE IF NOT EXISTS user_passkey_changes
(
    tenant      LowCardinality(String),
    uid         UInt64,
    ts          DateTime64(3, 'UTC'),
    registered  UInt8,
    origin      UInt8
)
ENGINE = MergeTree
ORDER BY (tenant, uid, ts);

CREATE MATERIALIZED VIEW IF NOT EXISTS user_passkey_days_mv TO user_passkey_days AS
SELECT tenant, toDate(ts) AS day, cityHash64(user_id) AS uid, 0 AS origin,
       countIf(outcome = 'success' AND method = 'passkey') AS pk_logins,
       minIf(toNullable(ts), outcome = 'success' AND method = 'passkey') AS pk_first,
       maxIf(toNullable(ts), outcome = 'success' AND method = 'passkey') AS pk_last,
       groupArrayIf(ts, outcome = 'failure' AND failure_reason != 'phishing_blocked') AS pk_failures
FROM auth_events
WHERE event_type = 'login' AND (method = 'passkey' OR failure_reason = 'passkey_failed')
GROUP BY tenant, day, uid;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_passkey_changes_mv TO user_passkey_changes AS
SELECT tenant, cityHash64(user_id) AS uid, ts, toUInt8(event_type = 'passkey_registered') AS registered, 0 AS origin
FROM auth_events
WHERE event_type IN ('passkey_registered', 'passkey_removed') AND outcome = 'success';

INSERT INTO rollup_backfills
SELECT 'user_passkey_state', now64(3) WHERE (SELECT count() FROM rollup_backfills WHERE rollup = 'user_passkey_state') = 0;

ALTER TABLE user_passkey_days DELETE WHERE origin = 1 SETTINGS mutations_sync = 2;

ALTER TABLE user_passkey_changes DELETE WHERE origin = 1 SETTINGS mutations_sync = 2;

INSERT INTO user_passkey_days
SELECT tenant, toDate(ts) AS day, cityHash64(user_id) AS uid, 1 AS origin,
       countIf(outcome = 'success' AND method = 'passkey') AS pk_logins,
       minIf(toNullable(ts), outcome = 'success' AND method = 'passkey') AS pk_first,
       maxIf(toNullable(ts), outcome = 'success' AND method = 'passkey') AS pk_last,
       groupArrayIf(ts, outcome = 'failure' AND failure_reason != 'phishing_blocked') AS pk_failures
FROM auth_events FINAL
WHERE event_type = 'login' AND (method = 'passkey' OR failure_reason = 'passkey_failed')
  AND ingested_at < (SELECT max(cutoff) FROM rollup_backfills WHERE rollup = 'user_passkey_state')
GROUP BY tenant, day, uid;

INSERT INTO user_passkey_changes
SELECT tenant, cityHash64(user_id) AS uid, ts, toUInt8(event_type = 'passkey_registered') AS registered, 1 AS origin
FROM auth_events FINAL
WHERE event_type IN ('passkey_registered', 'passkey_removed') AND outcome = 'success'
  AND ingested_at < (SELECT max(cutoff) FROM rollup_backfills WHERE rollup = 'user_passkey_state');
