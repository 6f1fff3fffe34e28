-- Per-tenant alert settings: each rule's changed parameters (JSON, over the SPEC §4 defaults), and the
-- tenant policy that privileged users need device-bound credentials. Newest version wins (FINAL).
CREATE TABLE IF NOT EXISTS alert_rules
(
    tenant      LowCardinality(String),
    rule        LowCardinality(String),
    params      String,
    updated_at  DateTime64(3, 'UTC'),
    updated_by  String,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, rule);

CREATE TABLE IF NOT EXISTS alert_policies
(
    tenant                            LowCardinality(String),
    privileged_device_bound_required  UInt8,
    updated_at                        DateTime64(3, 'UTC'),
    updated_by                        String,
    version                           UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY tenant;
