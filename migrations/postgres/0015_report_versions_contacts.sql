-- Contacts get a data-version counter like the other tables the reports keep in memory (migration 0003): R6's
-- "clients without planned activities" keeps its per-card summaries in the reports' cache, keyed by the versions of
-- every table they read (activities, deals, and companies or contacts), so a write to a contact must move a version
-- too. Bumped once per statement by triggers on every insert, update and delete, whoever writes. Additive.
--
-- The counter starts at 0: the clients part's key also holds the activities and deals counters, which start at a
-- random value per portal and database (0003), so two databases still never share a key.

ALTER TABLE report_data_versions ADD COLUMN contacts BIGINT NOT NULL DEFAULT 0;

-- `changed` is the statement's transition table (new rows for INSERT / UPDATE, old rows for DELETE).
CREATE FUNCTION report_versions_bump_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_data_versions SET contacts = contacts + 1 WHERE portal_id IN (SELECT portal_id FROM changed);
    RETURN NULL;
END
$$;

CREATE TRIGGER report_versions_contacts_ins AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_contacts();
CREATE TRIGGER report_versions_contacts_upd AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_contacts();
CREATE TRIGGER report_versions_contacts_del AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_contacts();
