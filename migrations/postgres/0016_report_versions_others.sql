-- The server keeps whole report answers per process (crates/server/src/answer_cache.rs), keyed by the data versions of
-- every table a report reads. Migration 0003 and 0015 count writes to the tables kept in the reports' parts (deals,
-- leads, stage history, companies, activities, contacts); this one adds one counter, `others`, for every other table
-- an answer reads: tasks and calls (R5), the dictionaries (users, their departments, departments, pipelines, stages
-- and sources, projects), settings and plans, smart-process types and items (R7), custom fields and their values,
-- the sync state (answers state missing sources) and currencies and the portal row (zone, base currency).
-- Bumped by triggers on every insert, update and delete, whoever writes. Additive; starts at 0 (the key also holds
-- the 0003 counters, which start at a random value per portal and database).

ALTER TABLE report_data_versions ADD COLUMN others BIGINT NOT NULL DEFAULT 0;

-- `changed` is the statement's transition table (new rows for INSERT / UPDATE, old rows for DELETE).
CREATE FUNCTION report_versions_bump_others() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (SELECT portal_id FROM changed);
    RETURN NULL;
END
$$;

-- The portal row is keyed by its own id (an answer reads its zone and base currency).
CREATE FUNCTION report_versions_bump_others_portal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_data_versions SET others = others + 1 WHERE portal_id IN (SELECT id FROM changed);
    RETURN NULL;
END
$$;

CREATE TRIGGER report_versions_tasks_ins AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_tasks_upd AFTER UPDATE ON tasks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_tasks_del AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_calls_ins AFTER INSERT ON calls
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_calls_upd AFTER UPDATE ON calls
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_calls_del AFTER DELETE ON calls
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_users_ins AFTER INSERT ON users
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_users_upd AFTER UPDATE ON users
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_users_del AFTER DELETE ON users
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_user_departments_ins AFTER INSERT ON user_departments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_user_departments_upd AFTER UPDATE ON user_departments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_user_departments_del AFTER DELETE ON user_departments
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_departments_ins AFTER INSERT ON departments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_departments_upd AFTER UPDATE ON departments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_departments_del AFTER DELETE ON departments
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_pipelines_ins AFTER INSERT ON pipelines
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_pipelines_upd AFTER UPDATE ON pipelines
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_pipelines_del AFTER DELETE ON pipelines
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_statuses_ins AFTER INSERT ON crm_statuses
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_statuses_upd AFTER UPDATE ON crm_statuses
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_statuses_del AFTER DELETE ON crm_statuses
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_projects_ins AFTER INSERT ON projects
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_projects_upd AFTER UPDATE ON projects
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_projects_del AFTER DELETE ON projects
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_portal_settings_ins AFTER INSERT ON portal_settings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_portal_settings_upd AFTER UPDATE ON portal_settings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_portal_settings_del AFTER DELETE ON portal_settings
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_sales_plans_ins AFTER INSERT ON sales_plans
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_sales_plans_upd AFTER UPDATE ON sales_plans
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_sales_plans_del AFTER DELETE ON sales_plans
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_types_ins AFTER INSERT ON crm_types
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_types_upd AFTER UPDATE ON crm_types
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_types_del AFTER DELETE ON crm_types
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_custom_field_defs_ins AFTER INSERT ON custom_field_defs
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_custom_field_defs_upd AFTER UPDATE ON custom_field_defs
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_custom_field_defs_del AFTER DELETE ON custom_field_defs
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_custom_field_values_ins AFTER INSERT ON custom_field_values
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_custom_field_values_upd AFTER UPDATE ON custom_field_values
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_custom_field_values_del AFTER DELETE ON custom_field_values
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_items_ins AFTER INSERT ON crm_items
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_items_upd AFTER UPDATE ON crm_items
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_crm_items_del AFTER DELETE ON crm_items
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_sync_state_ins AFTER INSERT ON sync_state
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_sync_state_upd AFTER UPDATE ON sync_state
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_sync_state_del AFTER DELETE ON sync_state
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_currencies_ins AFTER INSERT ON currencies
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_currencies_upd AFTER UPDATE ON currencies
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_currencies_del AFTER DELETE ON currencies
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others();
CREATE TRIGGER report_versions_portals_upd AFTER UPDATE ON portals
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump_others_portal();
