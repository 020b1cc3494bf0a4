-- The one schema of the store. migrations/postgres/ holds the same schema; the two files differ only where the
-- dialects must (identity columns). Conventions, shared by every table:
--   * every portal-owned row carries portal_id, and it leads every primary key and index;
--   * instants are BIGINT unix seconds (UTC); calendar dates (deal BEGINDATE/CLOSEDATE) are TEXT 'YYYY-MM-DD';
--   * money is BIGINT in hundredths of the record's own currency ("*_cents"), exactly as the portal prints it;
--   * flags are BOOLEAN; Bitrix24 ids are BIGINT, dictionary codes (stage ids, source ids, currencies) TEXT.

-- Portals (one row per Bitrix24 account, keyed by member_id) ---------------------------------------------------
CREATE TABLE portals (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id           TEXT    NOT NULL UNIQUE,
    domain              TEXT    NOT NULL,
    client_endpoint     TEXT    NOT NULL,           -- https://<portal>/rest/
    server_endpoint     TEXT,                       -- OAuth server, from the install payload
    webhook_url         TEXT,                       -- self-hosted use: incoming webhook instead of OAuth
    status              TEXT    NOT NULL DEFAULT 'active', -- active | needs_attention | uninstalled
    attention_reason    TEXT,
    time_zone           TEXT,                       -- IANA name when known
    utc_offset_seconds  BIGINT  NOT NULL DEFAULT 10800,
    base_currency       TEXT,
    installed_at        BIGINT  NOT NULL,
    uninstalled_at      BIGINT,
    updated_at          BIGINT  NOT NULL
);

-- Tokens and app status per portal x app registration (several marketplace apps may share one backend).
CREATE TABLE portal_apps (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    client_id           TEXT    NOT NULL,
    access_token        TEXT    NOT NULL,
    refresh_token       TEXT    NOT NULL,
    access_expires_at   BIGINT  NOT NULL,
    scope               TEXT,
    application_token   TEXT,                       -- verifies events from this portal for this app
    app_status          TEXT,                       -- F D T P L S (app.info STATUS)
    payment_expired     BOOLEAN,
    days_left           BIGINT,
    status_checked_at   BIGINT,
    token_version       BIGINT  NOT NULL DEFAULT 0, -- bumped on every refresh; guards against lost updates
    installed_at        BIGINT  NOT NULL,
    uninstalled_at      BIGINT,
    PRIMARY KEY (portal_id, client_id)
);

-- Company structure ----------------------------------------------------------------------------------------------
CREATE TABLE users (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    name                TEXT    NOT NULL DEFAULT '',
    last_name           TEXT    NOT NULL DEFAULT '',
    second_name         TEXT    NOT NULL DEFAULT '',
    email               TEXT,
    work_position       TEXT,
    active              BOOLEAN NOT NULL,
    user_type           TEXT,
    date_register       BIGINT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);

CREATE TABLE user_departments (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    user_id             BIGINT  NOT NULL,
    department_id       BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, user_id, department_id)
);
CREATE INDEX user_departments_by_department ON user_departments (portal_id, department_id);

CREATE TABLE departments (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    name                TEXT    NOT NULL,
    parent_id           BIGINT,
    head_user_id        BIGINT,
    sort                BIGINT  NOT NULL DEFAULT 500,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);

-- CRM dictionaries -------------------------------------------------------------------------------------------------
CREATE TABLE pipelines (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,           -- deal category id; 0 = the default pipeline
    name                TEXT    NOT NULL,
    sort                BIGINT  NOT NULL DEFAULT 500,
    is_default          BOOLEAN NOT NULL DEFAULT FALSE,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);

-- Everything crm.status.list returns: deal stages (DEAL_STAGE, DEAL_STAGE_<cat>), lead statuses (STATUS),
-- sources (SOURCE), industries (INDUSTRY), deal types (DEAL_TYPE) ...
CREATE TABLE crm_statuses (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    entity_id           TEXT    NOT NULL,
    status_id           TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    sort                BIGINT  NOT NULL DEFAULT 0,
    semantics           TEXT    NOT NULL DEFAULT 'P', -- P in work, S success, F failure
    extra_semantics     TEXT,                       -- process | success | failure | apology
    category_id         BIGINT,                     -- deal pipeline of a stage; NULL elsewhere
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, entity_id, status_id)
);

CREATE TABLE currencies (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    currency            TEXT    NOT NULL,
    amount_cnt          BIGINT  NOT NULL DEFAULT 1,
    amount              DOUBLE PRECISION NOT NULL, -- rate: amount_cnt units of this currency = amount of the base
    is_base             BOOLEAN NOT NULL DEFAULT FALSE,
    sort                BIGINT  NOT NULL DEFAULT 100,
    full_name           TEXT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, currency)
);

-- CRM records --------------------------------------------------------------------------------------------------------
CREATE TABLE deals (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    title               TEXT    NOT NULL DEFAULT '',
    type_id             TEXT,
    category_id         BIGINT  NOT NULL DEFAULT 0,
    stage_id            TEXT    NOT NULL,
    stage_semantic_id   TEXT    NOT NULL DEFAULT 'P',
    opportunity_cents   BIGINT  NOT NULL DEFAULT 0,
    currency_id         TEXT,
    opportunity_account_cents BIGINT,               -- OPPORTUNITY_ACCOUNT, when the portal provides it
    account_currency_id TEXT,
    probability         BIGINT,
    assigned_by_id      BIGINT,
    created_by_id       BIGINT,
    modify_by_id        BIGINT,
    moved_by_id         BIGINT,
    date_create         BIGINT  NOT NULL,
    date_modify         BIGINT  NOT NULL,
    moved_time          BIGINT,
    last_activity_time  BIGINT,
    last_activity_by    BIGINT,
    begindate           TEXT,
    closedate           TEXT,
    closed              BOOLEAN NOT NULL DEFAULT FALSE,
    opened              BOOLEAN NOT NULL DEFAULT TRUE,
    is_new              BOOLEAN NOT NULL DEFAULT FALSE,
    is_recurring        BOOLEAN NOT NULL DEFAULT FALSE,
    is_return_customer  BOOLEAN NOT NULL DEFAULT FALSE,
    is_repeated_approach BOOLEAN NOT NULL DEFAULT FALSE,
    source_id           TEXT,
    source_description  TEXT,
    company_id          BIGINT,
    contact_id          BIGINT,
    lead_id             BIGINT,
    utm_source          TEXT,
    utm_medium          TEXT,
    utm_campaign        TEXT,
    utm_content         TEXT,
    utm_term            TEXT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE INDEX deals_by_created   ON deals (portal_id, date_create);
CREATE INDEX deals_by_closedate ON deals (portal_id, closedate);
CREATE INDEX deals_by_modified  ON deals (portal_id, date_modify);
CREATE INDEX deals_by_manager   ON deals (portal_id, assigned_by_id);

CREATE TABLE leads (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    title               TEXT    NOT NULL DEFAULT '',
    status_id           TEXT    NOT NULL,
    status_semantic_id  TEXT    NOT NULL DEFAULT 'P',
    source_id           TEXT,
    source_description  TEXT,
    opportunity_cents   BIGINT  NOT NULL DEFAULT 0,
    currency_id         TEXT,
    assigned_by_id      BIGINT,
    created_by_id       BIGINT,
    modify_by_id        BIGINT,
    moved_by_id         BIGINT,
    date_create         BIGINT  NOT NULL,
    date_modify         BIGINT  NOT NULL,
    moved_time          BIGINT,
    date_closed         BIGINT,
    last_activity_time  BIGINT,
    last_activity_by    BIGINT,
    company_id          BIGINT,
    contact_id          BIGINT,
    company_title       TEXT,
    is_return_customer  BOOLEAN NOT NULL DEFAULT FALSE,
    opened              BOOLEAN NOT NULL DEFAULT TRUE,
    utm_source          TEXT,
    utm_medium          TEXT,
    utm_campaign        TEXT,
    utm_content         TEXT,
    utm_term            TEXT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE INDEX leads_by_created  ON leads (portal_id, date_create);
CREATE INDEX leads_by_modified ON leads (portal_id, date_modify);
CREATE INDEX leads_by_manager  ON leads (portal_id, assigned_by_id);

CREATE TABLE companies (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    title               TEXT    NOT NULL DEFAULT '',
    company_type        TEXT,
    industry            TEXT,
    assigned_by_id      BIGINT,
    date_create         BIGINT  NOT NULL,
    date_modify         BIGINT  NOT NULL,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);

-- crm.stagehistory.list rows for deals (entity_type_id 2) and leads (1). For leads stage_id holds STATUS_ID.
CREATE TABLE stage_history (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    entity_type_id      BIGINT  NOT NULL,
    id                  BIGINT  NOT NULL,
    type_id             BIGINT  NOT NULL,           -- 1 created, 2 intermediate, 3 final, 5 pipeline changed
    owner_id            BIGINT  NOT NULL,
    created_time        BIGINT  NOT NULL,
    category_id         BIGINT,
    stage_id            TEXT    NOT NULL,
    stage_semantic_id   TEXT    NOT NULL DEFAULT 'P',
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, entity_type_id, id)
);
CREATE INDEX stage_history_by_owner ON stage_history (portal_id, entity_type_id, owner_id, created_time);
CREATE INDEX stage_history_by_time  ON stage_history (portal_id, entity_type_id, created_time);

CREATE TABLE activities (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    owner_type_id       BIGINT,                     -- 1 lead, 2 deal, 3 contact, 4 company
    owner_id            BIGINT,
    type_id             BIGINT  NOT NULL DEFAULT 0,
    provider_id         TEXT,
    provider_type_id    TEXT,
    direction           BIGINT  NOT NULL DEFAULT 0, -- 1 incoming, 2 outgoing
    completed           BOOLEAN NOT NULL DEFAULT FALSE,
    status              BIGINT,
    priority            BIGINT,
    responsible_id      BIGINT,
    author_id           BIGINT,
    subject             TEXT,
    created             BIGINT  NOT NULL,
    last_updated        BIGINT  NOT NULL,
    start_time          BIGINT,
    end_time            BIGINT,
    deadline            BIGINT,
    is_incoming_channel BOOLEAN NOT NULL DEFAULT FALSE,
    origin_id           TEXT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE INDEX activities_by_owner       ON activities (portal_id, owner_type_id, owner_id);
CREATE INDEX activities_by_responsible ON activities (portal_id, responsible_id, created);
CREATE INDEX activities_by_modified    ON activities (portal_id, last_updated);

-- Call records (voximplant.statistic.get), optional.
CREATE TABLE calls (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    user_id             BIGINT,
    call_type           BIGINT,                     -- 1 outgoing, 2 incoming, 3 incoming redirected, 4 callback
    duration_seconds    BIGINT  NOT NULL DEFAULT 0,
    start_time          BIGINT  NOT NULL,
    failed_code         TEXT,
    crm_activity_id     BIGINT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE INDEX calls_by_user ON calls (portal_id, user_id, start_time);

-- Tasks and projects -------------------------------------------------------------------------------------------------
CREATE TABLE projects (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    name                TEXT    NOT NULL,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    closed              BOOLEAN NOT NULL DEFAULT FALSE,
    is_project          BOOLEAN NOT NULL DEFAULT FALSE,
    owner_id            BIGINT,
    date_create         BIGINT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);

CREATE TABLE tasks (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    title               TEXT    NOT NULL DEFAULT '',
    status              BIGINT  NOT NULL,           -- 2 pending, 3 in progress, 4 awaiting control, 5 completed, 6 deferred, 7 declined
    priority            BIGINT,
    responsible_id      BIGINT,
    created_by          BIGINT,
    closed_by           BIGINT,
    group_id            BIGINT,                     -- project; NULL when none
    parent_id           BIGINT,
    created_date        BIGINT  NOT NULL,
    changed_date        BIGINT  NOT NULL,
    closed_date         BIGINT,
    date_start          BIGINT,                     -- real start
    deadline            BIGINT,
    start_date_plan     BIGINT,
    end_date_plan       BIGINT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE INDEX tasks_by_deadline    ON tasks (portal_id, deadline);
CREATE INDEX tasks_by_responsible ON tasks (portal_id, responsible_id);
CREATE INDEX tasks_by_changed     ON tasks (portal_id, changed_date);

-- Custom fields (UF_CRM_*) of deals and leads: one row per record x field; value as the portal printed it
-- (scalars as text, multiple values as a JSON array).
CREATE TABLE custom_field_values (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    entity_type         TEXT    NOT NULL,           -- DEAL | LEAD
    entity_id           BIGINT  NOT NULL,
    field_name          TEXT    NOT NULL,
    value               TEXT,
    PRIMARY KEY (portal_id, entity_type, entity_id, field_name)
);
CREATE INDEX custom_field_values_by_field ON custom_field_values (portal_id, entity_type, field_name, value);

-- Sync bookkeeping ------------------------------------------------------------------------------------------------------
-- One row per portal x entity kind: where the full pass stands, the incremental watermark, progress, last outcome.
CREATE TABLE sync_state (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    entity              TEXT    NOT NULL,           -- deals, leads, deal_stage_history, activities, tasks, users ...
    phase               TEXT    NOT NULL DEFAULT 'pending', -- pending | full | incremental | failed
    cursor_id           BIGINT  NOT NULL DEFAULT 0, -- last id stored by the full pass (ID cursor)
    watermark           BIGINT,                     -- portal-clock modified-since for incremental passes
    done_count          BIGINT  NOT NULL DEFAULT 0,
    estimated_total     BIGINT,
    full_started_at     BIGINT,
    full_finished_at    BIGINT,
    last_success_at     BIGINT,
    last_error          TEXT,
    last_error_at       BIGINT,
    reconciled_at       BIGINT,                     -- last deletion reconciliation by ID
    updated_at          BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, entity)
);

-- Leases: a (portal, kind) is worked by one process at a time; an expired lease may be taken over.
-- kinds: 'sync' (the portal's sync), 'token_refresh' (serialises OAuth refreshes across processes).
CREATE TABLE leases (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL,
    holder              TEXT    NOT NULL,
    acquired_at         BIGINT  NOT NULL,
    expires_at          BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, kind)
);

-- Events received from the portal (online handler or the offline queue), waiting to be applied.
CREATE TABLE pending_events (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    event               TEXT    NOT NULL,           -- ONCRMDEALUPDATE ...
    entity              TEXT    NOT NULL,           -- deals | leads | activities | tasks
    entity_id           BIGINT  NOT NULL,
    received_at         BIGINT  NOT NULL,
    processed_at        BIGINT
);
CREATE INDEX pending_events_open ON pending_events (portal_id, processed_at);

-- Per-portal settings and plans -------------------------------------------------------------------------------------
-- Small typed values by key: forget_me_not_lead_days, forget_me_not_deal_days, planned_activity_counts_as_care ...
CREATE TABLE portal_settings (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    key                 TEXT    NOT NULL,
    value               TEXT    NOT NULL,           -- JSON
    updated_by          BIGINT,
    updated_at          BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, key)
);

-- Who may open which report besides the portal's administrators.
CREATE TABLE access_rules (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    report              TEXT    NOT NULL,           -- sales_dynamics | managers | plan | marketing | tasks | forget_me_not | *
    subject_type        TEXT    NOT NULL,           -- user | department
    subject_id          BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, report, subject_type, subject_id)
);

-- Sales plan rows: employee (or department) x pipeline (NULL = all) x period.
CREATE TABLE sales_plans (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    user_id             BIGINT,
    department_id       BIGINT,
    category_id         BIGINT,
    period_kind         TEXT    NOT NULL,           -- month | quarter | year
    period_start        TEXT    NOT NULL,           -- YYYY-MM-DD, first day of the period
    amount_cents        BIGINT  NOT NULL,
    deal_count          BIGINT,
    bonus_cents         BIGINT  NOT NULL DEFAULT 0,
    grade               TEXT,
    updated_by          BIGINT,
    updated_at          BIGINT  NOT NULL
);
CREATE INDEX sales_plans_by_period ON sales_plans (portal_id, period_start);

-- Filters and presets remembered per user between visits.
CREATE TABLE user_presets (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    user_id             BIGINT  NOT NULL,
    report              TEXT    NOT NULL,
    value               TEXT    NOT NULL,           -- JSON
    updated_at          BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, user_id, report)
);
