//! How each store record maps onto its table's columns for the sink's upserts: table, key, column order and values.
//! Pure data; column lists must match the migrations exactly.

use b24a_store::records::{
    Activity, CrmStatus, Currency, Deal, Department, Lead, Pipeline, Project, StageHistory, Task,
    User,
};

use crate::sink::{SinkRow, Val};

impl SinkRow for User {
    const TABLE: &'static str = "users";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "last_name",
        "second_name",
        "email",
        "work_position",
        "active",
        "user_type",
        "date_register",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.name).into(),
            (&self.last_name).into(),
            (&self.second_name).into(),
            (&self.email).into(),
            (&self.work_position).into(),
            self.active.into(),
            (&self.user_type).into(),
            self.date_register.into(),
        ]
    }
}

impl SinkRow for Department {
    const TABLE: &'static str = "departments";
    const COLUMNS: &'static [&'static str] = &["id", "name", "parent_id", "head_user_id", "sort"];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.name).into(),
            self.parent_id.into(),
            self.head_user_id.into(),
            self.sort.into(),
        ]
    }
}

impl SinkRow for Pipeline {
    const TABLE: &'static str = "pipelines";
    const COLUMNS: &'static [&'static str] = &["id", "name", "sort", "is_default"];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.name).into(),
            self.sort.into(),
            self.is_default.into(),
        ]
    }
}

impl SinkRow for CrmStatus {
    const TABLE: &'static str = "crm_statuses";
    const COLUMNS: &'static [&'static str] = &[
        "entity_id",
        "status_id",
        "name",
        "sort",
        "semantics",
        "extra_semantics",
        "category_id",
    ];
    const KEY: &'static [&'static str] = &["entity_id", "status_id"];
    fn values(&self) -> Vec<Val> {
        vec![
            (&self.entity_id).into(),
            (&self.status_id).into(),
            (&self.name).into(),
            self.sort.into(),
            (&self.semantics).into(),
            (&self.extra_semantics).into(),
            self.category_id.into(),
        ]
    }
}

impl SinkRow for Currency {
    const TABLE: &'static str = "currencies";
    const COLUMNS: &'static [&'static str] = &[
        "currency",
        "amount_cnt",
        "amount",
        "is_base",
        "sort",
        "full_name",
    ];
    const KEY: &'static [&'static str] = &["currency"];
    fn values(&self) -> Vec<Val> {
        vec![
            (&self.currency).into(),
            self.amount_cnt.into(),
            self.amount.into(),
            self.is_base.into(),
            self.sort.into(),
            (&self.full_name).into(),
        ]
    }
}

impl SinkRow for Deal {
    const TABLE: &'static str = "deals";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "type_id",
        "category_id",
        "stage_id",
        "stage_semantic_id",
        "opportunity_cents",
        "currency_id",
        "opportunity_account_cents",
        "account_currency_id",
        "probability",
        "assigned_by_id",
        "created_by_id",
        "modify_by_id",
        "moved_by_id",
        "date_create",
        "date_modify",
        "moved_time",
        "last_activity_time",
        "last_activity_by",
        "begindate",
        "closedate",
        "closed",
        "opened",
        "is_new",
        "is_recurring",
        "is_return_customer",
        "is_repeated_approach",
        "source_id",
        "source_description",
        "company_id",
        "contact_id",
        "lead_id",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.title).into(),
            (&self.type_id).into(),
            self.category_id.into(),
            (&self.stage_id).into(),
            (&self.stage_semantic_id).into(),
            self.opportunity_cents.into(),
            (&self.currency_id).into(),
            self.opportunity_account_cents.into(),
            (&self.account_currency_id).into(),
            self.probability.into(),
            self.assigned_by_id.into(),
            self.created_by_id.into(),
            self.modify_by_id.into(),
            self.moved_by_id.into(),
            self.date_create.into(),
            self.date_modify.into(),
            self.moved_time.into(),
            self.last_activity_time.into(),
            self.last_activity_by.into(),
            (&self.begindate).into(),
            (&self.closedate).into(),
            self.closed.into(),
            self.opened.into(),
            self.is_new.into(),
            self.is_recurring.into(),
            self.is_return_customer.into(),
            self.is_repeated_approach.into(),
            (&self.source_id).into(),
            (&self.source_description).into(),
            self.company_id.into(),
            self.contact_id.into(),
            self.lead_id.into(),
            (&self.utm_source).into(),
            (&self.utm_medium).into(),
            (&self.utm_campaign).into(),
            (&self.utm_content).into(),
            (&self.utm_term).into(),
        ]
    }
}

impl SinkRow for Lead {
    const TABLE: &'static str = "leads";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "status_id",
        "status_semantic_id",
        "source_id",
        "source_description",
        "opportunity_cents",
        "currency_id",
        "assigned_by_id",
        "created_by_id",
        "modify_by_id",
        "moved_by_id",
        "date_create",
        "date_modify",
        "moved_time",
        "date_closed",
        "last_activity_time",
        "last_activity_by",
        "company_id",
        "contact_id",
        "company_title",
        "is_return_customer",
        "opened",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.title).into(),
            (&self.status_id).into(),
            (&self.status_semantic_id).into(),
            (&self.source_id).into(),
            (&self.source_description).into(),
            self.opportunity_cents.into(),
            (&self.currency_id).into(),
            self.assigned_by_id.into(),
            self.created_by_id.into(),
            self.modify_by_id.into(),
            self.moved_by_id.into(),
            self.date_create.into(),
            self.date_modify.into(),
            self.moved_time.into(),
            self.date_closed.into(),
            self.last_activity_time.into(),
            self.last_activity_by.into(),
            self.company_id.into(),
            self.contact_id.into(),
            (&self.company_title).into(),
            self.is_return_customer.into(),
            self.opened.into(),
            (&self.utm_source).into(),
            (&self.utm_medium).into(),
            (&self.utm_campaign).into(),
            (&self.utm_content).into(),
            (&self.utm_term).into(),
        ]
    }
}

impl SinkRow for StageHistory {
    const TABLE: &'static str = "stage_history";
    const COLUMNS: &'static [&'static str] = &[
        "entity_type_id",
        "id",
        "type_id",
        "owner_id",
        "created_time",
        "category_id",
        "stage_id",
        "stage_semantic_id",
    ];
    const KEY: &'static [&'static str] = &["entity_type_id", "id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.entity_type_id.into(),
            self.id.into(),
            self.type_id.into(),
            self.owner_id.into(),
            self.created_time.into(),
            self.category_id.into(),
            (&self.stage_id).into(),
            (&self.stage_semantic_id).into(),
        ]
    }
}

impl SinkRow for Activity {
    const TABLE: &'static str = "activities";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "owner_type_id",
        "owner_id",
        "type_id",
        "provider_id",
        "provider_type_id",
        "direction",
        "completed",
        "status",
        "priority",
        "responsible_id",
        "author_id",
        "subject",
        "created",
        "last_updated",
        "start_time",
        "end_time",
        "deadline",
        "is_incoming_channel",
        "origin_id",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.owner_type_id.into(),
            self.owner_id.into(),
            self.type_id.into(),
            (&self.provider_id).into(),
            (&self.provider_type_id).into(),
            self.direction.into(),
            self.completed.into(),
            self.status.into(),
            self.priority.into(),
            self.responsible_id.into(),
            self.author_id.into(),
            (&self.subject).into(),
            self.created.into(),
            self.last_updated.into(),
            self.start_time.into(),
            self.end_time.into(),
            self.deadline.into(),
            self.is_incoming_channel.into(),
            (&self.origin_id).into(),
        ]
    }
}

impl SinkRow for Task {
    const TABLE: &'static str = "tasks";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "status",
        "priority",
        "responsible_id",
        "created_by",
        "closed_by",
        "group_id",
        "parent_id",
        "created_date",
        "changed_date",
        "closed_date",
        "date_start",
        "deadline",
        "start_date_plan",
        "end_date_plan",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.title).into(),
            self.status.into(),
            self.priority.into(),
            self.responsible_id.into(),
            self.created_by.into(),
            self.closed_by.into(),
            self.group_id.into(),
            self.parent_id.into(),
            self.created_date.into(),
            self.changed_date.into(),
            self.closed_date.into(),
            self.date_start.into(),
            self.deadline.into(),
            self.start_date_plan.into(),
            self.end_date_plan.into(),
        ]
    }
}

impl SinkRow for Project {
    const TABLE: &'static str = "projects";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "active",
        "closed",
        "is_project",
        "owner_id",
        "date_create",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.name).into(),
            self.active.into(),
            self.closed.into(),
            self.is_project.into(),
            self.owner_id.into(),
            self.date_create.into(),
        ]
    }
}
