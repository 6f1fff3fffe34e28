-- Where a tenant's alerts are sent: a signed JSON webhook (url + HMAC secret) or a Slack incoming
-- webhook. The secret is kept as given because signing needs it; the API never returns it. A removed
-- channel is a newer version with enabled = 0.
CREATE TABLE IF NOT EXISTS alert_channels
(
    tenant      LowCardinality(String),
    channel_id  String,
    kind        LowCardinality(String),
    url         String,
    secret      String,
    enabled     UInt8,
    updated_at  DateTime64(3, 'UTC'),
    updated_by  String,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, channel_id);
