-- Custom-field definitions of deals and leads (crm.deal.userfield.list / crm.lead.userfield.list), so the page can
-- name a UF_CRM_* field and the items of a list field instead of showing codes and item ids. One row per portal x
-- entity x field; the dictionary refresh replaces a portal's set whole (fields the portal no longer lists go).
-- labels: a JSON object language id -> label ({"ru": "Регион", "en": "Region"}); items: a JSON array of the
-- enumeration's items [{"id": "45", "value": "Москва", "sort": 10, "def": false}] ([] for other types).
-- Same on both backends.
CREATE TABLE custom_field_defs (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    entity_type         TEXT    NOT NULL,           -- DEAL | LEAD
    field_name          TEXT    NOT NULL,           -- UF_CRM_...
    field_id            BIGINT,                     -- the portal's ID of the field
    user_type           TEXT    NOT NULL,           -- string | enumeration | double | date | boolean ...
    multiple            BOOLEAN NOT NULL,
    mandatory           BOOLEAN NOT NULL,
    sort                BIGINT  NOT NULL,
    labels              TEXT    NOT NULL,
    items               TEXT    NOT NULL,
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, entity_type, field_name)
);
