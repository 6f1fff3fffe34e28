-- Materialized per-person passkey facts for closed days (SPEC §2 "has a passkey at time t", KPIs 3 and 7),
-- kept by the analytics service's job (analytics/materialize/passkey-facts.ts), read by analytics/queries.
-- has(t) depends only on evidence before t, so a closed day's facts change only when late evidence arrives for
-- that day or earlier, or when the tenant's look-back changes. Everything is keyed by the look-back used and a
-- generation `gen`; nothing of a generation is read before its row in passkey_mat_runs exists (written last).
--
-- passkey_facts: per user_day_logins row (all filter and breakdown columns) of a closed day with holder logins:
-- what fallbackRowSql (analytics/queries/fallbacks.ts) gives for that row.
CREATE TABLE IF NOT EXISTS passkey_facts
(
    tenant         LowCardinality(String),
    lookback       UInt32,
    gen            UInt64,
    day            Date,
    uid            UInt64,
    product        LowCardinality(String),
    method_class   LowCardinality(String),
    source         LowCardinality(String),
    os             LowCardinality(String),
    browser        LowCardinality(String),
    device_type    LowCardinality(String),
    department     LowCardinality(String),
    user_type      LowCardinality(String),
    privileged     UInt8,
    user_id        String,
    holder_logins  UInt64,
    fallbacks      UInt64,
    after_failure  UInt64,
    last_fallback  Nullable(DateTime64(3, 'UTC'))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, lookback, day, gen, uid);

-- passkey_snapshot: per user, the intervals (s, e] of B(t) ("a passkey login within the look-back") given by
-- every passkey login before the run's valid_to. B only grows with more evidence, so these stay exact; queries
-- add the passkey days from the first not validly materialized day on, and A(t) (registrations, removals) live.
CREATE TABLE IF NOT EXISTS passkey_snapshot
(
    tenant    LowCardinality(String),
    lookback  UInt32,
    gen       UInt64,
    uid       UInt64,
    ivs       Array(Tuple(DateTime64(3, 'UTC'), DateTime64(3, 'UTC')))
)
ENGINE = MergeTree
ORDER BY (tenant, lookback, gen, uid);

-- passkey_mat_runs: one row per published run: facts for days [facts_from, valid_to) and the snapshot, computed
-- from the evidence stored at snapshot_at (taken before the first read); evidence stored up to margin_ms before
-- it may have been in flight (not yet visible) and counts as late.
CREATE TABLE IF NOT EXISTS passkey_mat_runs
(
    tenant        LowCardinality(String),
    gen           UInt64,
    lookback      UInt32,
    facts_from    Date,
    valid_to      Date,
    snapshot_at   DateTime64(3, 'UTC'),
    margin_ms     UInt32,
    published_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (tenant, gen);

-- passkey_evidence_arrivals: when evidence of a day last arrived (the insert's time, per tenant and day of the
-- event). A day below a run's valid_to that received evidence after its snapshot_at (less a margin for inserts
-- in flight) is not validly materialized, nor is any later day: queries answer from that day on live.
CREATE TABLE IF NOT EXISTS passkey_evidence_arrivals
(
    tenant   LowCardinality(String),
    day      Date,
    arrived  SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS passkey_evidence_arrivals_mv TO passkey_evidence_arrivals AS
SELECT tenant, toDate(ts) AS day, max(now64(3, 'UTC')) AS arrived
FROM auth_events
WHERE event_type IN ('login', 'passkey_registered', 'passkey_removed')
GROUP BY tenant, day;
