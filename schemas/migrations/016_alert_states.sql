-- What people did with an alert: acknowledged or resolved, by which token, when. No row means open.
CREATE TABLE IF NOT EXISTS alert_states
(
    tenant      LowCardinality(String),
    alert_id    String,
    state       LowCardinality(String),
    changed_at  DateTime64(3, 'UTC'),
    changed_by  String,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, alert_id);
