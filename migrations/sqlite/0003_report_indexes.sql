-- Reports on large portals (docs/REPORTS-BENCH.md). Additive; the store's queries are unaffected.
--
-- 1. Indexes that let the reports read activities from the index alone (no table lookups):
--    * activities_by_time: activities of a period (R2), by START_TIME, or by creation when START_TIME is empty;
--    * activities_open_by_deadline: open activities past their deadline, per responsible (R2, R6);
--    * activities_by_owner is rebuilt wider (same leading columns, so every query that used it still can): the
--      per-card "last touch / planned activity" summary of open cards (R6) is read from the index;
--    * deals_open / leads_open: the cards in work (R6), without walking every closed one.
-- 2. report_data_versions: per portal, a counter per source table the reports keep in memory (deals, leads,
--    stage_history, companies, activities), bumped by triggers on every insert, update and delete (whoever writes: sync, events, tests, hand-made SQL). The reports' cache
--    (crates/reports/src/cache.rs) keys its copy by these counters, so a write is never answered from stale data.
--    A portal's counters start at a random value, so two databases with the same portal id never share a key.

DROP INDEX IF EXISTS activities_by_owner;
CREATE INDEX activities_by_owner ON activities
    (portal_id, owner_type_id, owner_id, completed, created, last_updated, deadline);
CREATE INDEX activities_by_time ON activities
    (portal_id, start_time, created, completed, responsible_id, type_id, provider_id, provider_type_id, direction);
CREATE INDEX activities_open_by_deadline ON activities (portal_id, completed, deadline, responsible_id);
CREATE INDEX deals_open ON deals (portal_id, id) WHERE stage_semantic_id NOT IN ('S','F');
CREATE INDEX leads_open ON leads (portal_id, id) WHERE status_semantic_id NOT IN ('S','F');

CREATE TABLE report_data_versions (
    portal_id           BIGINT  NOT NULL PRIMARY KEY,
    deals               BIGINT  NOT NULL,
    leads               BIGINT  NOT NULL,
    stage_history       BIGINT  NOT NULL,
    companies           BIGINT  NOT NULL,
    activities          BIGINT  NOT NULL
);

INSERT INTO report_data_versions (portal_id, deals, leads, stage_history, companies, activities)
    SELECT id, v, v, v, v, v FROM (SELECT id, abs(random() % 1000000000000000) AS v FROM portals);

CREATE TRIGGER report_versions_new_portal AFTER INSERT ON portals BEGIN
    INSERT OR REPLACE INTO report_data_versions (portal_id, deals, leads, stage_history, companies, activities)
        SELECT NEW.id, v, v, v, v, v FROM (SELECT abs(random() % 1000000000000000) AS v);
END;

CREATE TRIGGER report_versions_deals_ins AFTER INSERT ON deals BEGIN
    UPDATE report_data_versions SET deals = deals + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_deals_upd AFTER UPDATE ON deals BEGIN
    UPDATE report_data_versions SET deals = deals + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_deals_del AFTER DELETE ON deals BEGIN
    UPDATE report_data_versions SET deals = deals + 1 WHERE portal_id = OLD.portal_id;
END;

CREATE TRIGGER report_versions_leads_ins AFTER INSERT ON leads BEGIN
    UPDATE report_data_versions SET leads = leads + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_leads_upd AFTER UPDATE ON leads BEGIN
    UPDATE report_data_versions SET leads = leads + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_leads_del AFTER DELETE ON leads BEGIN
    UPDATE report_data_versions SET leads = leads + 1 WHERE portal_id = OLD.portal_id;
END;

CREATE TRIGGER report_versions_stage_history_ins AFTER INSERT ON stage_history BEGIN
    UPDATE report_data_versions SET stage_history = stage_history + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_stage_history_upd AFTER UPDATE ON stage_history BEGIN
    UPDATE report_data_versions SET stage_history = stage_history + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_stage_history_del AFTER DELETE ON stage_history BEGIN
    UPDATE report_data_versions SET stage_history = stage_history + 1 WHERE portal_id = OLD.portal_id;
END;

CREATE TRIGGER report_versions_companies_ins AFTER INSERT ON companies BEGIN
    UPDATE report_data_versions SET companies = companies + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_companies_upd AFTER UPDATE ON companies BEGIN
    UPDATE report_data_versions SET companies = companies + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_companies_del AFTER DELETE ON companies BEGIN
    UPDATE report_data_versions SET companies = companies + 1 WHERE portal_id = OLD.portal_id;
END;

CREATE TRIGGER report_versions_activities_ins AFTER INSERT ON activities BEGIN
    UPDATE report_data_versions SET activities = activities + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_activities_upd AFTER UPDATE ON activities BEGIN
    UPDATE report_data_versions SET activities = activities + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_activities_del AFTER DELETE ON activities BEGIN
    UPDATE report_data_versions SET activities = activities + 1 WHERE portal_id = OLD.portal_id;
END;
