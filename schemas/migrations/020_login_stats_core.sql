-- Login statistics without the per-person dimensions (issue 7: every panel p95 < 200 ms at 10 M events).
-- login_stats_hourly / _daily (migration 004) key every row by department, user type, privileged, source, OS,
-- browser and device as well: those follow the person, so their rows grow with people × days (on the 10 M
-- benchmark, ~1.6 events per daily row) and a year of them is millions of rows. Most questions (every panel
-- without a department, user-type, privileged or source filter) need only what is kept here: product, method
-- class, outcome, failure reason and authenticator per hour and day, a few hundred rows a day however many
-- events and people there are. analytics/queries/common.ts statsFrom() reads these when the filters allow and
-- the wide tables otherwise; both are fed from the same inserts, so they agree exactly.
--
-- Backfill and re-runs: as in migration 004 (views first, a cutoff recorded once, everything ingested before it
-- inserted from auth_events FINAL with origin = 1, which a re-run deletes and redoes).
CREATE TABLE IF NOT EXISTS login_stats_core_hourly
(
    tenant              LowCardinality(String),
    hour                DateTime('UTC'),
    event_type          LowCardinality(String),
    product             LowCardinality(String),
    method_class        LowCardinality(String),
    outcome             LowCardinality(String),
    failure_reason      LowCardinality(String),
    authenticator       LowCardinality(String),
    origin              UInt8,
    events              SimpleAggregateFunction(sum, UInt64),
    latency_n           SimpleAggregateFunction(sum, UInt64),
    latency_sum         SimpleAggregateFunction(sum, UInt64),
    latency_dd          AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.95), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, event_type, product, method_class, outcome, failure_reason, authenticator, origin);

CREATE TABLE IF NOT EXISTS login_stats_core_daily
(
    tenant              LowCardinality(String),
    day                 Date,
    event_type          LowCardinality(String),
    product             LowCardinality(String),
    method_class        LowCardinality(String),
    outcome             LowCardinality(String),
    failure_reason      LowCardinality(String),
    authenticator       LowCardinality(String),
    origin              UInt8,
    events              SimpleAggregateFunction(sum, UInt64),
    latency_n           SimpleAggregateFunction(sum, UInt64),
    latency_sum         SimpleAggregateFunction(sum, UInt64),
    latency_dd          AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.95), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYear(day)
ORDER BY (tenant, day, event_type, product, method_class, outcome, failure_reason, authenticator, origin);

-- Days from hours, as in 004: fires on every insert into login_stats_core_hourly, the backfill included.
CREATE MATERIALIZED VIEW IF NOT EXISTS login_stats_core_daily_mv TO login_stats_core_daily AS
SELECT tenant, toDate(hour) AS day, event_type, product, method_class, outcome, failure_reason, authenticator, origin,
       sum(events) AS events, sum(latency_n) AS latency_n, sum(latency_sum) AS latency_sum,
       quantilesDDMergeState(0.01, 0.5, 0.9, 0.95)(latency_dd) AS latency_dd
FROM login_stats_core_hourly
GROUP BY tenant, day, event_type, product, method_class, outcome, failure_reason, authenticator, origin;

CREATE MATERIALIZED VIEW IF NOT EXISTS login_stats_core_hourly_mv TO login_stats_core_hourly AS
SELECT tenant, toStartOfHour(ts) AS hour, event_type, product, method_class, outcome, failure_reason, authenticator, 0 AS origin,
       count() AS events, count(latency_ms) AS latency_n, sum(ifNull(latency_ms, 0)) AS latency_sum,
       quantilesDDStateIf(0.01, 0.5, 0.9, 0.95)(assumeNotNull(latency_ms), latency_ms IS NOT NULL) AS latency_dd
FROM auth_events
GROUP BY tenant, hour, event_type, product, method_class, outcome, failure_reason, authenticator;

INSERT INTO rollup_backfills
SELECT 'login_stats_core', now64(3) WHERE (SELECT count() FROM rollup_backfills WHERE rollup = 'login_stats_core') = 0;

ALTER TABLE login_stats_core_daily DELETE WHERE origin = 1 SETTINGS mutations_sync = 2;

ALTER TABLE login_stats_core_hourly DELETE WHERE origin = 1 SETTINGS mutations_sync = 2;

INSERT INTO login_stats_core_hourly
SELECT tenant, toStartOfHour(ts) AS hour, event_type, product, method_class, outcome, failure_reason, authenticator, 1 AS origin,
       count() AS events, count(latency_ms) AS latency_n, sum(ifNull(latency_ms, 0)) AS latency_sum,
       quantilesDDStateIf(0.01, 0.5, 0.9, 0.95)(assumeNotNull(latency_ms), latency_ms IS NOT NULL) AS latency_dd
FROM auth_events FINAL
WHERE ingested_at < (SELECT max(cutoff) FROM rollup_backfills WHERE rollup = 'login_stats_core')
GROUP BY tenant, hour, event_type, product, method_class, outcome, failure_reason, authenticator;
