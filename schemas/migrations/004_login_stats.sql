-- Login statistics rollups (SPEC §3 KPIs 1, 2, 5, 6, 9, 14 and the authenticator breakdown): dashboards read
-- hours or days, never events. One row per combination of the dashboard's filters and breakdowns per hour
-- (login_stats_hourly, fed from auth_events) and per day (login_stats_daily, fed from the hourly rows as they
-- are inserted, so the events are aggregated once). Latency quantiles are DDSketch states (relative accuracy
-- 1 %): they merge exactly, so a quantile read from the rollup equals quantilesDD over the same raw events.
--
-- Exactness: a materialized view sees every insert into auth_events once. The writer never inserts an event_id
-- that is already stored (migration 001), so the rollups count each event once.
--
-- Upgrading a store that already holds events: the views are created first, then a cutoff is recorded once
-- (rollup_backfills) and everything ingested before it is inserted from auth_events FINAL with origin = 1.
-- Views write origin = 0. Re-running this file (after a failure half-way) first deletes the origin = 1 rows
-- (waiting for the mutation; it touches only the parts that exist when it is issued, never the new backfill)
-- and backfills again with the same cutoff: the result is the same however often it runs. Events stamped before the cutoff but
-- inserted after the views existed (in flight during an online upgrade) would be counted twice: upgrade with
-- ingest stopped (the embedded shape always does: migrations run before ingest starts).
CREATE TABLE IF NOT EXISTS rollup_backfills
(
    rollup  String,
    cutoff  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY rollup;

CREATE TABLE IF NOT EXISTS login_stats_hourly
(
    tenant              LowCardinality(String),
    hour                DateTime('UTC'),
    event_type          LowCardinality(String),
    outcome             LowCardinality(String),
    failure_reason      LowCardinality(String),
    product             LowCardinality(String),
    method_class        LowCardinality(String),
    department          LowCardinality(String),
    user_type           LowCardinality(String),
    privileged          UInt8,
    source              LowCardinality(String),
    os                  LowCardinality(String),
    browser             LowCardinality(String),
    device_type         LowCardinality(String),
    phishing_resistant  UInt8,
    authenticator       LowCardinality(String),
    origin              UInt8,
    events              SimpleAggregateFunction(sum, UInt64),
    latency_n           SimpleAggregateFunction(sum, UInt64),
    latency_sum         SimpleAggregateFunction(sum, UInt64),
    latency_dd          AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.95), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, event_type, product, method_class, outcome, failure_reason, department, user_type, privileged,
          source, os, browser, device_type, phishing_resistant, authenticator, origin);

CREATE TABLE IF NOT EXISTS login_stats_daily
(
    tenant              LowCardinality(String),
    day                 Date,
    event_type          LowCardinality(String),
    outcome             LowCardinality(String),
    failure_reason      LowCardinality(String),
    product             LowCardinality(String),
    method_class        LowCardinality(String),
    department          LowCardinality(String),
    user_type           LowCardinality(String),
    privileged          UInt8,
    source              LowCardinality(String),
    os                  LowCardinality(String),
    browser             LowCardinality(String),
    device_type         LowCardinality(String),
    phishing_resistant  UInt8,
    authenticator       LowCardinality(String),
    origin              UInt8,
    events              SimpleAggregateFunction(sum, UInt64),
    latency_n           SimpleAggregateFunction(sum, UInt64),
    latency_sum         SimpleAggregateFunction(sum, UInt64),
    latency_dd          AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.95), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, event_type, product, method_class, outcome, failure_reason, department, user_type, privileged,
          source, os, browser, device_type, phishing_resistant, authenticator, origin);

-- Days from hours: fires on every insert into login_stats_hourly, the backfill below included.
CREATE MATERIALIZED VIEW IF NOT EXISTS login_stats_daily_mv TO login_stats_daily AS
SELECT tenant, toDate(hour) AS day, event_type, outcome, failure_reason, product, method_class, department, user_type,
       privileged, source, os, browser, device_type, phishing_resistant, authenticator, origin,
       sum(events) AS events, sum(latency_n) AS latency_n, sum(latency_sum) AS latency_sum,
       quantilesDDMergeState(0.01, 0.5, 0.9, 0.95)(latency_dd) AS latency_dd
FROM login_stats_hourly
GROUP BY tenant, day, event_type, outcome, failure_reason, product, method_class, department, user_type, privileged,
         source, os, browser, device_type, phishing_resistant, authenticator, origin;

CREATE MATERIALIZED VIEW IF NOT EXISTS login_stats_hourly_mv TO login_stats_hourly AS
SELECT tenant, toStartOfHour(ts) AS hour, event_type, outcome, failure_reason, product, method_class, department,
       user_type, privileged, source, os, browser, device_type, phishing_resistant, authenticator, 0 AS origin,
       count() AS events, count(latency_ms) AS latency_n, sum(ifNull(latency_ms, 0)) AS latency_sum,
       quantilesDDStateIf(0.01, 0.5, 0.9, 0.95)(assumeNotNull(latency_ms), latency_ms IS NOT NULL) AS latency_dd
FROM auth_events
GROUP BY tenant, hour, event_type, outcome, failure_reason, product, method_class, department, user_type, privileged,
         source, os, browser, device_type, phishing_resistant, authenticator;

INSERT INTO rollup_backfills
SELECT 'login_stats', now64(3) WHERE (SELECT count() FROM rollup_backfills WHERE rollup = 'login_stats') = 0;

ALTER TABLE login_stats_daily DELETE WHERE origin = 1 SETTINGS mutations_sync = 2;

ALTER TABLE login_stats_hourly DELETE WHERE origin = 1 SETTINGS mutations_sync = 2;

INSERT INTO login_stats_hourly
SELECT tenant, toStartOfHour(ts) AS hour, event_type, outcome, failure_reason, product, method_class, department,
       user_type, privileged, source, os, browser, device_type, phishing_resistant, authenticator, 1 AS origin,
       count() AS events, count(latency_ms) AS latency_n, sum(ifNull(latency_ms, 0)) AS latency_sum,
       quantilesDDStateIf(0.01, 0.5, 0.9, 0.95)(assumeNotNull(latency_ms), latency_ms IS NOT NULL) AS latency_dd
FROM auth_events FINAL
WHERE ingested_at < (SELECT max(cutoff) FROM rollup_backfills WHERE rollup = 'login_stats')
GROUP BY tenant, hour, event_type, outcome, failure_reason, product, method_class, department, user_type, privileged,
         source, os, browser, device_type, phishing_resistant, authenticator;
