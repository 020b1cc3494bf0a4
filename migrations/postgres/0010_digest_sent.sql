-- The weekly digest's once-per-week record (docs/DIGEST.md): one row per portal x recipient x ISO week
-- (e.g. '2026-W49'), inserted BEFORE the notification is sent, so two replicas can never both send it and a replica
-- that was down finds the row. status: 'claimed' (taken; sending or outcome unknown), 'sent' (the portal accepted it),
-- 'failed' (the portal refused it: may be claimed again in the same week, at most 3 attempts). Same on both backends.
CREATE TABLE digest_sent (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    recipient_id        BIGINT  NOT NULL,
    week                TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
    attempts            BIGINT  NOT NULL,
    holder              TEXT    NOT NULL,
    claimed_at          BIGINT  NOT NULL,
    sent_at             BIGINT,
    error               TEXT,
    PRIMARY KEY (portal_id, recipient_id, week)
);
