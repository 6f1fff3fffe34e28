-- Alerts (SPEC §4): one row per (rule, subject, cooldown window), rewritten as its count grows. A newer
-- version of the same alert_id replaces the older one (read with FINAL). The state an operator sets
-- (acknowledged, resolved) lives in alert_states, so the engine's updates never overwrite it.
CREATE TABLE IF NOT EXISTS alerts
(
    alert_id      String,
    tenant        LowCardinality(String),
    rule          LowCardinality(String),
    severity      LowCardinality(String),
    subject_kind  LowCardinality(String),
    subject       String,
    title         String,
    first_seen    DateTime64(3, 'UTC'),
    last_seen     DateTime64(3, 'UTC'),
    window_end    DateTime64(3, 'UTC'),
    count         UInt32,
    evidence      Array(String),
    details       String CODEC(ZSTD(3)),
    silenced      UInt8,
    created_at    DateTime64(3, 'UTC'),
    version       UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (tenant, alert_id);
