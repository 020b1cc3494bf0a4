-- The server keeps whole report answers per process (crates/server/src/answer_cache.rs), keyed by the data versions of
-- every table a report reads. Migration 0003 and 0015 count writes to the tables kept in the reports' parts (deals,
-- leads, stage history, companies, activities, contacts); this one adds one counter, `others`, for every other table
-- an answer reads: tasks and calls (R5), the dictionaries (users, their departments, departments, pipelines, stages
-- and sources, projects), settings and plans, smart-process types and items (R7), custom fields and their values,
-- the sync state (answers state missing sources) and currencies and the portal row (zone, base currency).
-- Bumped by triggers on every insert, update and delete, whoever writes. Additive; starts at 0 (the key also holds
-- the 0003 counters, which start at a random value per portal and database).

ALTER TABLE report_data_versions ADD COLUMN others BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER report_versions_tasks_ins AFTER INSERT ON tasks BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_tasks_upd AFTER UPDATE ON tasks BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_tasks_del AFTER DELETE ON tasks BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_calls_ins AFTER INSERT ON calls BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_calls_upd AFTER UPDATE ON calls BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_calls_del AFTER DELETE ON calls BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_users_ins AFTER INSERT ON users BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_users_upd AFTER UPDATE ON users BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_users_del AFTER DELETE ON users BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_user_departments_ins AFTER INSERT ON user_departments BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_user_departments_upd AFTER UPDATE ON user_departments BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_user_departments_del AFTER DELETE ON user_departments BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_departments_ins AFTER INSERT ON departments BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_departments_upd AFTER UPDATE ON departments BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_departments_del AFTER DELETE ON departments BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_pipelines_ins AFTER INSERT ON pipelines BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_pipelines_upd AFTER UPDATE ON pipelines BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_pipelines_del AFTER DELETE ON pipelines BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_crm_statuses_ins AFTER INSERT ON crm_statuses BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_crm_statuses_upd AFTER UPDATE ON crm_statuses BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_crm_statuses_del AFTER DELETE ON crm_statuses BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_projects_ins AFTER INSERT ON projects BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_projects_upd AFTER UPDATE ON projects BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_projects_del AFTER DELETE ON projects BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_portal_settings_ins AFTER INSERT ON portal_settings BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_portal_settings_upd AFTER UPDATE ON portal_settings BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_portal_settings_del AFTER DELETE ON portal_settings BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_sales_plans_ins AFTER INSERT ON sales_plans BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_sales_plans_upd AFTER UPDATE ON sales_plans BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_sales_plans_del AFTER DELETE ON sales_plans BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_crm_types_ins AFTER INSERT ON crm_types BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_crm_types_upd AFTER UPDATE ON crm_types BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_crm_types_del AFTER DELETE ON crm_types BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_custom_field_defs_ins AFTER INSERT ON custom_field_defs BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_custom_field_defs_upd AFTER UPDATE ON custom_field_defs BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_custom_field_defs_del AFTER DELETE ON custom_field_defs BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_custom_field_values_ins AFTER INSERT ON custom_field_values BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_custom_field_values_upd AFTER UPDATE ON custom_field_values BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_custom_field_values_del AFTER DELETE ON custom_field_values BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_crm_items_ins AFTER INSERT ON crm_items BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_crm_items_upd AFTER UPDATE ON crm_items BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_crm_items_del AFTER DELETE ON crm_items BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_sync_state_ins AFTER INSERT ON sync_state BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_sync_state_upd AFTER UPDATE ON sync_state BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_sync_state_del AFTER DELETE ON sync_state BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
CREATE TRIGGER report_versions_currencies_ins AFTER INSERT ON currencies BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.portal_id;
END;
CREATE TRIGGER report_versions_currencies_upd AFTER UPDATE ON currencies BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (NEW.portal_id, OLD.portal_id);
END;
CREATE TRIGGER report_versions_currencies_del AFTER DELETE ON currencies BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = OLD.portal_id;
END;
-- The portal row is keyed by its own id (an answer reads its zone and base currency).
CREATE TRIGGER report_versions_portals_upd AFTER UPDATE ON portals BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id = NEW.id;
END;
