-- Companies and contacts pulled from the portal (crm.company.list, crm.contact.list). The companies table exists
-- since 0001 (industry = a STATUS_ID of the portal's INDUSTRY dictionary in crm_statuses); this adds contacts, the
-- people at client companies and private clients, and the indexes the reports join by. Same on both backends.
CREATE TABLE contacts (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id                  BIGINT  NOT NULL,
    name                TEXT    NOT NULL DEFAULT '',
    last_name           TEXT    NOT NULL DEFAULT '',
    second_name         TEXT    NOT NULL DEFAULT '',
    type_id             TEXT,                       -- CONTACT_TYPE dictionary (CLIENT, SUPPLIER ...)
    source_id           TEXT,
    company_id          BIGINT,                     -- primary company; NULL for private clients
    assigned_by_id      BIGINT,
    date_create         BIGINT  NOT NULL,
    date_modify         BIGINT  NOT NULL,
    last_activity_time  BIGINT,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE INDEX IF NOT EXISTS contacts_by_company  ON contacts (portal_id, company_id);
CREATE INDEX IF NOT EXISTS contacts_by_modified ON contacts (portal_id, date_modify);
CREATE INDEX IF NOT EXISTS companies_by_modified ON companies (portal_id, date_modify);
CREATE INDEX IF NOT EXISTS deals_by_company     ON deals (portal_id, company_id);
