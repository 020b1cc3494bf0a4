//! Projects (workgroups) and tasks with deadlines, planned starts, real starts and closes — some on
//! time, some late, some still open past the deadline, some without a deadline at all.
//!
//! Never touches CRM records except for linking a task to a deal (`ufCrmTask`).

use rand::Rng;

use super::clock::{DAY, HOUR};
use super::names::*;
use super::Gen;
use crate::model::{PortalData, Project, Task};

pub fn build(g: &mut Gen, data: &mut PortalData, n_tasks: usize, n_projects: usize) {
    let staff: Vec<i64> = data
        .users
        .iter()
        .filter(|u| u.active)
        .map(|u| u.id)
        .collect();
    let everyone: Vec<i64> = data.users.iter().map(|u| u.id).collect();
    for i in 0..n_projects {
        let created = g.start + g.rng.gen_range(0..(g.now - g.start) / 2);
        let base = PROJECT_NAMES[i % PROJECT_NAMES.len()];
        let name = if i < PROJECT_NAMES.len() {
            base.to_string()
        } else {
            format!("{base} {}", i / PROJECT_NAMES.len() + 1)
        };
        let mut members: Vec<i64> = (0..g.rng.gen_range(2..8))
            .map(|_| *g.pick(&everyone))
            .collect();
        members.sort_unstable();
        members.dedup();
        data.projects.push(Project {
            id: i as i64 + 1,
            name,
            description: String::new(),
            owner_id: members.first().copied().unwrap_or(1),
            date_create: created,
            date_activity: g.now - g.rng.gen_range(0..30 * DAY),
            closed: g.rng.gen_bool(0.15),
            is_project: true,
            members,
        });
    }
    let mut tasks: Vec<Task> = (0..n_tasks)
        .map(|_| {
            let created = g.creation_time();
            let responsible = *g.pick(&staff);
            let creator = if g.rng.gen_bool(0.6) {
                responsible
            } else {
                *g.pick(&staff)
            };
            let has_deadline = g.rng.gen_bool(0.85);
            let deadline = if has_deadline {
                let t = created + g.rng.gen_range(DAY..21 * DAY);
                Some(g.working_time(t))
            } else {
                None
            };
            let plan_start = if g.rng.gen_bool(0.6) {
                let t = created + g.rng.gen_range(0..3 * DAY);
                Some(g.working_time(t))
            } else {
                None
            };
            // Real start: around the planned start (or soon after creation), sometimes late.
            let anchor = plan_start.unwrap_or(created + HOUR);
            let started = (anchor + g.rng.gen_range(-DAY..3 * DAY)).max(created + 60);
            let horizon = deadline.unwrap_or(created + 10 * DAY);
            let close = (horizon + g.rng.gen_range(-5 * DAY..6 * DAY)).max(started + HOUR);
            let deferred = g.rng.gen_bool(0.04);
            // Some tasks are simply never finished: they stay open past their deadline.
            let abandoned = g.rng.gen_bool(0.1);
            let (status, date_start, closed_date) = if deferred {
                (6, None, None)
            } else if close <= g.now && !abandoned {
                (5, Some(started), Some(close))
            } else if started <= g.now {
                (
                    if g.rng.gen_bool(0.15) { 4 } else { 3 },
                    Some(started),
                    None,
                )
            } else {
                (2, None, None)
            };
            let changed = closed_date.or(date_start).unwrap_or(created).min(g.now - 1);
            let link = (!data.deals.is_empty() && g.rng.gen_bool(0.2))
                .then(|| format!("D_{}", g.rng.gen_range(1..=data.deals.len())));
            Task {
                id: 0,
                title: format!("{} {}", g.pick(TASK_VERBS), g.pick(TASK_OBJECTS)),
                status,
                priority: if g.rng.gen_bool(0.2) { 2 } else { 1 },
                responsible_id: responsible,
                created_by: creator,
                created_date: created,
                changed_date: changed,
                closed_date,
                closed_by: closed_date.map(|_| responsible),
                date_start,
                deadline,
                start_date_plan: plan_start,
                end_date_plan: plan_start.and(deadline),
                group_id: if g.rng.gen_bool(0.7) {
                    g.rng.gen_range(1..=n_projects as i64)
                } else {
                    0
                },
                uf_crm_task: link.into_iter().collect(),
            }
        })
        .collect();
    tasks.sort_by_key(|t| t.created_date);
    for (i, t) in tasks.iter_mut().enumerate() {
        t.id = i as i64 + 1;
    }
    data.tasks = tasks;
}
