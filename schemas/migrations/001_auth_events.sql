-- The normalised event store (SPEC §1).
--
-- Deduplication by event_id, in two layers:
--  1. The writer drops rows whose event_id is already stored before it inserts (one lookup per batch,
--     served by the bloom-filter index). Redelivered Kafka batches after a crash therefore insert nothing
--     again, which also keeps materialized-view rollups exact.
--  2. ReplacingMergeTree keyed on event_id collapses whatever still slips through (two workers racing
--     during a rebalance); queries over raw events read with FINAL. The sorting key holds only columns
--     that a deterministic normaliser derives from the event itself, so copies of one event share a key.
-- Retried inserts of the very same batch are also dropped by insert_deduplication_token
-- (non_replicated_deduplication_window below).
CREATE TABLE IF NOT EXISTS auth_events
(
    event_id            String,
    ts                  DateTime64(3, 'UTC'),
    ingested_at         DateTime64(3, 'UTC'),
    tenant              LowCardinality(String),
    source              LowCardinality(String),
    source_event_id     String,
    event_type          LowCardinality(String),
    outcome             LowCardinality(String),
    failure_reason      LowCardinality(String),
    user_id             String,
    user_domain         LowCardinality(String),
    user_type           LowCardinality(String),
    privileged          UInt8,
    department          LowCardinality(String),
    product             LowCardinality(String),
    app                 String,
    method              LowCardinality(String),
    second_factor       LowCardinality(String),
    passkey_type        LowCardinality(String),
    authenticator       LowCardinality(String),
    aaguid              String,
    phishing_resistant  UInt8,
    latency_ms          Nullable(UInt32),
    flow_id             String,
    ip                  String,
    country             LowCardinality(String),
    user_agent          String CODEC(ZSTD(3)),
    browser             LowCardinality(String),
    browser_version     LowCardinality(String),
    os                  LowCardinality(String),
    os_version          LowCardinality(String),
    device_type         LowCardinality(String),
    raw                 String CODEC(ZSTD(3)),
    -- SPEC §1 method_class, derived once here (mirrors methodClass() in schemas/auth-event.ts).
    method_class        LowCardinality(String) MATERIALIZED multiIf(
        method = 'passkey' AND passkey_type = 'synced', 'passkey_synced',
        method = 'passkey' AND passkey_type = 'device_bound', 'passkey_device_bound',
        method = 'passkey', 'passkey_unknown',
        method = 'password' AND second_factor IN ('none', 'unknown'), 'password_only',
        method = 'password', 'password_mfa',
        method = 'sso', 'sso',
        method IN ('authenticator_app', 'otp'), 'passwordless_other',
        method = 'certificate', 'certificate',
        method IN ('api_token', 'app_password'), 'token',
        'unknown'),
    INDEX idx_event_id event_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_user_id user_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant, toDate(ts), product, method_class, event_id)
SETTINGS non_replicated_deduplication_window = 1000;
