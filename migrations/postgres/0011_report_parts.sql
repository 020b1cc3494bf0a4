-- Persisted report-cache parts (docs/REPORTS-BENCH.md, "cold is warm"). The reports' in-memory cache writes each
-- compact part it builds (every deal, lead, stage-history row and activity summary of a portal, in a binary columnar
-- layout owned by crates/reports/src/cache/codec.rs) here, split into chunks of a few megabytes, keyed by the data
-- version of its table (report_data_versions, migration 0003) and a fingerprint of the portal context it was built
-- with. After a restart, on a new replica or after an eviction, a request loads the part from here instead of
-- rebuilding it from millions of rows; a part whose version is not the table's current one is never used (the
-- next build replaces it). Additive; nothing else reads this table.

CREATE TABLE report_parts (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    part                TEXT    NOT NULL,
    seq                 BIGINT  NOT NULL,
    version             BIGINT  NOT NULL,
    fingerprint         BIGINT  NOT NULL,
    data                BYTEA    NOT NULL,
    PRIMARY KEY (portal_id, part, seq)
);
