//! Company structure: departments tree with heads, the admin (user 1) and the managers.
//!
//! Users are numbered from 1 (1 = admin/director). Some managers are inactive (dismissed). Never
//! creates CRM records.

use rand::Rng;

use super::names::*;
use super::Gen;
use crate::model::{Department, PortalData, User};

const SALES_DEPARTMENTS: &[&str] = &[
    "Отдел продаж Москва",
    "Отдел продаж Санкт-Петербург",
    "Отдел оптовых продаж",
    "Отдел по работе с ключевыми клиентами",
    "Отдел продаж регионов",
    "Отдел повторных продаж",
    "Отдел телемаркетинга",
    "Отдел продаж Урал",
];

fn person(g: &mut Gen, id: i64) -> (String, String, String, char) {
    if g.rng.gen_bool(0.5) {
        let surname = g.pick(SURNAMES).to_string();
        (
            g.pick(MALE_FIRST).to_string(),
            surname,
            g.pick(MALE_PATRONYMIC).to_string(),
            'M',
        )
    } else {
        let surname = female_surname(g.pick::<&str>(SURNAMES));
        let _ = id;
        (
            g.pick(FEMALE_FIRST).to_string(),
            surname,
            g.pick(FEMALE_PATRONYMIC).to_string(),
            'F',
        )
    }
}

pub fn build(g: &mut Gen, data: &mut PortalData, managers: usize) {
    let company = format!(
        "{} «{}{}»",
        g.pick(COMPANY_FORMS),
        g.pick(COMPANY_ROOTS),
        g.pick(COMPANY_SUFFIXES)
    );
    data.company_name = company.clone();
    // Root, "Продажи" division, then sales departments (about one per 10 managers).
    let n_sales = managers.div_ceil(10).clamp(1, SALES_DEPARTMENTS.len());
    data.departments.push(Department {
        id: 1,
        name: company,
        sort: 500,
        parent: None,
        head: Some(1),
    });
    data.departments.push(Department {
        id: 2,
        name: "Коммерческая дирекция".into(),
        sort: 500,
        parent: Some(1),
        head: None,
    });
    for (i, name) in SALES_DEPARTMENTS.iter().take(n_sales).enumerate() {
        data.departments.push(Department {
            id: 3 + i as i64,
            name: name.to_string(),
            sort: 500 + i as i64 * 10,
            parent: Some(2),
            head: None,
        });
    }
    let hired_from = g.start - 200 * 86_400;
    let (n, l, s, gen) = person(g, 1);
    data.users.push(User {
        id: 1,
        email: format!("director{}@example.ru", 1),
        name: n,
        last_name: l,
        second_name: s,
        active: true,
        is_admin: true,
        departments: vec![1],
        work_position: "Генеральный директор".into(),
        gender: gen,
        date_register: hired_from,
        last_login: g.now - 3_600,
        // The director set his zone in his profile; the others follow the portal's (an empty TIME_ZONE).
        time_zone: data.zone.name().unwrap_or_default().to_string(),
    });
    for i in 0..managers {
        let id = i as i64 + 2;
        let dept = 3 + (i % n_sales) as i64;
        let is_head = i < n_sales;
        // Heads stay; others are dismissed with ~10 % probability, and the last hired manager of a
        // team of three or more always left (so even the tiny company has an inactive employee).
        let randomly_left = g.rng.gen_bool(0.1);
        let last_left = managers >= 3 && i == managers - 1;
        let active = is_head || !(randomly_left || last_left);
        let (n, l, s, gen) = person(g, id);
        let registered = g.rng.gen_range(hired_from..g.start + 30 * 86_400);
        data.users.push(User {
            id,
            email: format!("manager{id}@example.ru"),
            name: n,
            last_name: l,
            second_name: s,
            active,
            is_admin: false,
            departments: vec![dept],
            work_position: if is_head {
                "Руководитель отдела продаж".into()
            } else {
                "Менеджер по продажам".into()
            },
            gender: gen,
            date_register: registered,
            last_login: if active {
                g.now - g.rng.gen_range(60..86_400 * 3)
            } else {
                g.start + (g.now - g.start) / 2
            },
            // One manager works from another zone and says so in his profile.
            time_zone: if id == 4 {
                "Asia/Dubai".into()
            } else {
                String::new()
            },
        });
        if is_head {
            if let Some(d) = data.departments.iter_mut().find(|d| d.id == dept) {
                d.head = Some(id);
            }
        }
    }
    if let Some(d) = data.departments.iter_mut().find(|d| d.id == 2) {
        d.head = Some(if managers > 0 { 2 } else { 1 });
    }
}
