-- The delivery outbox: one row per (alert, channel), written as `pending` before the first attempt and
-- rewritten after each one (attempts, HTTP status, error, next attempt), so undelivered alerts survive
-- a restart and are retried until delivered or too old. delivery_id is the X-Pulse-Delivery header
-- receivers dedupe on; owner is the process that is delivering it (others take over only after it has
-- been overdue for a while).
CREATE TABLE IF NOT EXISTS alert_outbox
(
    delivery_id      String,
    tenant           LowCardinality(String),
    alert_id         String,
    channel_id       String,
    channel_kind     LowCardinality(String),
    payload          String CODEC(ZSTD(3)),
    status           LowCardinality(String),
    attempts         UInt32,
    created_at       DateTime64(3, 'UTC'),
    next_attempt_at  DateTime64(3, 'UTC'),
    last_attempt_at  Nullable(DateTime64(3, 'UTC')),
    delivered_at     Nullable(DateTime64(3, 'UTC')),
    last_status      UInt16,
    last_error       String,
    owner            String,
    version          UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, delivery_id);
