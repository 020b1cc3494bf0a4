-- R7 "linked work" (docs/METRICS.md, R7): smart-process types and items pulled from the portal (crm.type.list,
-- crm.item.list), and the first amount the app saw of every deal (a sale's "first quote").
-- Links through a deal user field of type `crm` need no table of their own: the field's values are deal custom-field
-- values (custom_field_values), kept by the deal sync. A smart-process item's parent deal is its parentId2.
CREATE TABLE crm_types (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    entity_type_id      BIGINT  NOT NULL,           -- 128+ for smart processes (crm.type.list entityTypeId)
    title               TEXT    NOT NULL DEFAULT '',
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, entity_type_id)
);
CREATE TABLE crm_items (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    entity_type_id      BIGINT  NOT NULL,
    id                  BIGINT  NOT NULL,
    title               TEXT    NOT NULL DEFAULT '',
    category_id         BIGINT,
    stage_id            TEXT    NOT NULL DEFAULT '',
    stage_semantic_id   TEXT    NOT NULL DEFAULT 'P', -- P in work, S success, F failure (the stage's semantics)
    opportunity_cents   BIGINT  NOT NULL DEFAULT 0,
    currency_id         TEXT,
    assigned_by_id      BIGINT,
    created_time        BIGINT  NOT NULL,
    updated_time        BIGINT  NOT NULL,
    moved_time          BIGINT,
    parent_deal_id      BIGINT,                     -- parentId2: the deal this item is bound to, if any
    synced_at           BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, entity_type_id, id)
);
CREATE INDEX IF NOT EXISTS crm_items_by_parent ON crm_items (portal_id, parent_deal_id);
-- The amount of a deal when the app first stored it (written by the trigger below on the deal's first insert, never
-- updated): a deal created after install has its creation amount here.
CREATE TABLE deal_first_amounts (
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    deal_id             BIGINT  NOT NULL,
    opportunity_cents   BIGINT  NOT NULL,
    currency_id         TEXT,
    PRIMARY KEY (portal_id, deal_id)
);
CREATE FUNCTION deal_first_amount() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deal_first_amounts (portal_id, deal_id, opportunity_cents, currency_id)
        VALUES (NEW.portal_id, NEW.id, NEW.opportunity_cents, NEW.currency_id)
        ON CONFLICT (portal_id, deal_id) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER deal_first_amount AFTER INSERT ON deals FOR EACH ROW EXECUTE FUNCTION deal_first_amount();
