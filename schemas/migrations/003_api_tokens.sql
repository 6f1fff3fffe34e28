-- API and ingest tokens (SPEC §5). Only a SHA-256 of the token is stored; a revocation is a newer
-- version of the same row.
CREATE TABLE IF NOT EXISTS api_tokens
(
    token_hash  String,
    token_id    String,
    tenant      LowCardinality(String),
    role        LowCardinality(String),
    name        String,
    created_at  DateTime64(3, 'UTC'),
    revoked_at  Nullable(DateTime64(3, 'UTC')),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY token_hash;
