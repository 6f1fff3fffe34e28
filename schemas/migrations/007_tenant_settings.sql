-- Tenant settings (the ROI assumptions of SPEC §3 items 10-13 and the passkey look-back of §2), set by an admin.
-- `value` is the JSON object of the overrides; the newest version per (tenant, name) wins.
CREATE TABLE IF NOT EXISTS tenant_settings
(
    tenant      LowCardinality(String),
    name        LowCardinality(String),
    value       String,
    updated_at  DateTime64(3, 'UTC'),
    updated_by  String
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant, name);
