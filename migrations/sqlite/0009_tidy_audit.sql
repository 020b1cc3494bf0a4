-- The tidy-up page's bulk actions and their audit log (docs/ACTIONS.md): one row per run (who, when, what change,
-- progress) and one row per record it touched, with the value before and after and the portal's answer. An undo is
-- a run of its own pointing at the run it reverts. Same tables on both backends (only the identity column differs).
CREATE TABLE tidy_runs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    user_id             BIGINT  NOT NULL,           -- the acting user (his own rights in the portal)
    action              TEXT    NOT NULL,           -- reassign | todo | close | stage | undo
    params              TEXT    NOT NULL,           -- JSON: the change as confirmed (new responsible, stage, deadline...)
    undo_of             BIGINT,                     -- the run an undo reverts
    total               BIGINT  NOT NULL,
    done                BIGINT  NOT NULL DEFAULT 0,
    refused             BIGINT  NOT NULL DEFAULT 0,
    status              TEXT    NOT NULL,           -- running | finished | failed
    created_at          BIGINT  NOT NULL,
    finished_at         BIGINT
);
CREATE INDEX tidy_runs_by_portal ON tidy_runs (portal_id, id);

CREATE TABLE tidy_run_records (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    run_id              BIGINT  NOT NULL REFERENCES tidy_runs(id) ON DELETE CASCADE,
    entity              TEXT    NOT NULL,           -- deal | lead
    record_id           BIGINT  NOT NULL,
    before_value        TEXT    NOT NULL,           -- JSON: the fields the action changes, as stored before
    after_value         TEXT,                       -- JSON: as sent (set once the portal accepted it)
    outcome             TEXT    NOT NULL,           -- pending | done | refused | failed | skipped
    error               TEXT,                       -- the portal's refusal or why an undo skipped the record
    PRIMARY KEY (portal_id, run_id, entity, record_id)
);
