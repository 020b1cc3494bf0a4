-- Contacts get a data-version counter like the other tables the reports keep in memory (migration 0003): R6's
-- "clients without planned activities" keeps its per-card summaries in the reports' cache, keyed by the versions of
-- every table they read (activities, deals, and companies or contacts), so a write to a contact must move a version
-- too. Bumped by triggers on every insert, update and delete, whoever writes. Additive.
--
-- The counter starts at 0: the clients part's key also holds the activities and deals counters, which start at a
-- random value per portal and database (0003), so two databases still never share a key.

ALTER TABLE report_data_versions ADD COLUMN contacts BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER report_versions_contacts_ins AFTER INSERT ON contacts BEGIN
    UPDATE report_data_versions SET contacts = contacts + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_contacts_upd AFTER UPDATE ON contacts BEGIN
    UPDATE report_data_versions SET contacts = contacts + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_contacts_del AFTER DELETE ON contacts BEGIN
    UPDATE report_data_versions SET contacts = contacts + 1 WHERE portal_id = OLD.portal_id;
END;
