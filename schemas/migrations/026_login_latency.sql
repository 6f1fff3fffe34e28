-- Latency of successful sign-ins per day (those without a latency counted as such, as in the stats tables), by method class and the filters that follow the person (department,
-- user type, privileged, source) only (issue 7: every panel p95 < 200 ms at 10 M events). With such a filter,
-- latency quantiles otherwise come from the wide login_stats tables (migration 004), whose rows are also keyed by
-- product, OS, browser, device, authenticator, outcome and failure reason: merging their DDSketch states was most
-- of the summary's time with a department filter on the 10 M benchmark (~7,000 states a day there, ~650 here).
-- analytics/queries/common.ts latencyTable() reads this table for whole days when the filters are person filters
-- without a product; the core tables (migration 020) when they can answer; the wide tables otherwise. Fed from
-- the same inserts as those, so all agree exactly (test/integration/login-latency.test.ts).
--
-- Backfill and re-runs: as in migration 004 (view first, a cutoff recorded once, everything ingested before it
-- inserted from auth_events FINAL with origin = 1, which a re-run deletes and redoes).
CREATE TABLE IF NOT EXISTS login_latency_daily
(
    tenant        LowCardinality(String),
    day           Date,
    method_class  LowCardinality(String),
    source        LowCardinality(String),
    department    LowCardinality(String),
    user_type     LowCardinality(String),
    privileged    UInt8,
    origin        UInt8,
    latency_n     SimpleAggregateFunction(sum, UInt64),
    latency_sum   SimpleAggregateFunction(sum, UInt64),
    latency_dd    AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.95), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, method_class, source, department, user_type, privileged, origin);

CREATE MATERIALIZED VIEW IF NOT EXISTS login_latency_daily_mv TO login_latency_daily AS
SELECT tenant, toDate(ts) AS day, method_class, source, department, user_type, privileged, 0 AS origin,
       count(latency_ms) AS latency_n, sum(ifNull(latency_ms, 0)) AS latency_sum,
       quantilesDDStateIf(0.01, 0.5, 0.9, 0.95)(assumeNotNull(latency_ms), latency_ms IS NOT NULL) AS latency_dd
FROM auth_events
WHERE event_type = 'login' AND outcome = 'success'
GROUP BY tenant, day, method_class, source, department, user_type, privileged;

INSERT INTO rollup_backfills
SELECT 'login_latency', now64(3) WHERE (SELECT count() FROM rollup_backfills WHERE rollup = 'login_latency') = 0;

ALTER TABLE login_latency_daily DELETE WHERE origin = 1 SETTINGS mutations_sync = 2;

INSERT INTO login_latency_daily
SELECT tenant, toDate(ts) AS day, method_class, source, department, user_type, privileged, 1 AS origin,
       count(latency_ms) AS latency_n, sum(ifNull(latency_ms, 0)) AS latency_sum,
       quantilesDDStateIf(0.01, 0.5, 0.9, 0.95)(assumeNotNull(latency_ms), latency_ms IS NOT NULL) AS latency_dd
FROM auth_events FINAL
WHERE event_type = 'login' AND outcome = 'success'
  AND ingested_at < (SELECT max(cutoff) FROM rollup_backfills WHERE rollup = 'login_latency')
GROUP BY tenant, day, method_class, source, department, user_type, privileged;
