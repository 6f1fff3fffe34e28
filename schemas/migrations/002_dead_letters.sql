-- Events that could not be stored, with the reason and where they came from (SPEC §1: nothing is
-- dropped silently). dead_letter_id hashes the Kafka origin (topic/partition/offset) or, for events
-- that did not come through Kafka, the source and payload, so a redelivered poison message is one row.
CREATE TABLE IF NOT EXISTS dead_letters
(
    dead_letter_id   String,
    received_at      DateTime64(3, 'UTC'),
    tenant           LowCardinality(String),
    source           LowCardinality(String),
    reason_code      LowCardinality(String),
    reason           String,
    payload          String CODEC(ZSTD(3)),
    kafka_topic      LowCardinality(String),
    kafka_partition  Nullable(Int32),
    kafka_offset     Nullable(Int64)
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(received_at)
ORDER BY (tenant, source, dead_letter_id)
SETTINGS non_replicated_deduplication_window = 1000;
