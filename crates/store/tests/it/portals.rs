//! Portals, app tokens, leases and pending events on both backends, including two portals with the same
//! Bitrix24 ids that must never see or touch each other's rows.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use b24a_store::records::entity_type::DEAL;
use b24a_store::*;
use common::*;

const OWNED_TABLES: [&str; 25] = [
    "portal_apps",
    "users",
    "user_departments",
    "departments",
    "pipelines",
    "crm_statuses",
    "currencies",
    "deals",
    "leads",
    "companies",
    "stage_history",
    "activities",
    "calls",
    "projects",
    "tasks",
    "custom_field_values",
    "custom_field_defs",
    "sync_state",
    "leases",
    "pending_events",
    "portal_settings",
    "access_rules",
    "sales_plans",
    "digest_sent",
    "user_grants",
];

fn tokens(tag: &str) -> AppTokens {
    AppTokens {
        access_token: format!("access-{tag}"),
        refresh_token: format!("refresh-{tag}"),
        access_expires_at: 1_800_000_000,
        scope: Some("crm,task,user".into()),
    }
}

fn plan(user_id: i64) -> NewSalesPlan {
    NewSalesPlan {
        user_id: Some(user_id),
        department_id: None,
        category_id: None,
        period_kind: "month".into(),
        period_start: "2026-03-01".into(),
        amount_cents: 10_000_000,
        deal_count: Some(10),
        bonus_cents: 500_000,
        grade: None,
        updated_by: Some(1),
    }
}

/// Puts a row in every portal-owned table, with the same Bitrix24 ids whatever the portal; `tag` marks whose.
async fn fill(store: &Store, p: PortalId, tag: &str) {
    store
        .save_app_install(p, "app.1", &tokens(tag), Some("apptoken"))
        .await
        .unwrap();
    store
        .put_user_grant(
            &format!("{tag}-grant-hash"),
            &StoredGrant {
                portal_id: p.0,
                user_id: 2,
                client_id: "app.1".into(),
                endpoint: format!("https://{tag}.example/rest/"),
                access_token: format!("{tag}-user-access"),
                refresh_token: format!("{tag}-user-refresh"),
                token_version: 0,
                expires_at: 4_000_000_000,
            },
        )
        .await
        .unwrap();
    store
        .upsert_users(p, &[user(1, &[1]), user(2, &[1])])
        .await
        .unwrap();
    store
        .upsert_departments(p, &[department(1, None)])
        .await
        .unwrap();
    store.upsert_pipelines(p, &[pipeline(0)]).await.unwrap();
    store
        .upsert_crm_statuses(p, &[status("DEAL_STAGE", "NEW", "P", 1)])
        .await
        .unwrap();
    store
        .upsert_currencies(p, &[currency("RUB", 1.0, true)])
        .await
        .unwrap();
    let mut d1 = deal(1);
    d1.title = format!("{tag} deal 1");
    store.upsert_deals(p, &[d1, deal(2)]).await.unwrap();
    store.upsert_leads(p, &[lead(1)]).await.unwrap();
    store.upsert_companies(p, &[company(1)]).await.unwrap();
    store
        .upsert_stage_history(p, &[history(DEAL, 1, 1, "NEW")])
        .await
        .unwrap();
    store.upsert_activities(p, &[activity(1)]).await.unwrap();
    store.upsert_calls(p, &[call(1)]).await.unwrap();
    store.upsert_projects(p, &[project(1)]).await.unwrap();
    store.upsert_tasks(p, &[task(1)]).await.unwrap();
    store
        .replace_custom_field_values(p, "DEAL", &[1], &[cf("DEAL", 1, "UF_CRM_X", Some(tag))])
        .await
        .unwrap();
    store
        .replace_custom_field_defs(
            p,
            "DEAL",
            &[CustomFieldDef {
                entity_type: "DEAL".into(),
                field_name: "UF_CRM_X".into(),
                field_id: None,
                user_type: "string".into(),
                multiple: false,
                mandatory: false,
                sort: 100,
                labels: [("ru".to_string(), tag.to_string())].into(),
                items: Vec::new(),
            }],
        )
        .await
        .unwrap();
    store
        .put_sync_state(p, &SyncState::new("deals"))
        .await
        .unwrap();
    assert!(store
        .try_acquire_lease(p, leases::kind::SYNC, tag, Duration::from_secs(60))
        .await
        .unwrap());
    store
        .enqueue_event(p, "ONCRMDEALUPDATE", "deals", 1)
        .await
        .unwrap();
    assert!(store.claim_digest(p, 1, "2026-W10", tag).await.unwrap());
    store
        .set_setting(p, settings::key::FORGET_ME_NOT_DEAL_DAYS, &30, None)
        .await
        .unwrap();
    store
        .add_access_rule(
            p,
            &AccessRule {
                report: "plan".into(),
                subject: AccessSubject::User(2),
                scope: RuleScope::Own,
            },
        )
        .await
        .unwrap();
    store.create_plan(p, &plan(1)).await.unwrap();
}

async fn rows_per_table(store: &Store, p: PortalId) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in OWNED_TABLES {
        let n: i64 = with_pool!(store.pool(), pool => {
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t} WHERE portal_id = $1")).bind(p.0).fetch_one(pool).await.unwrap()
        });
        out.push((t, n));
    }
    out
}

store_test!(portals_are_keyed_by_member_id_and_change_status, |store| {
    let a = portal(&store, "alpha").await;
    assert_eq!(
        portal(&store, "alpha").await,
        a,
        "a re-install keeps the id"
    );
    let b = portal(&store, "beta").await;
    assert_ne!(a, b);

    let got = store.portal(a).await.unwrap().unwrap();
    assert_eq!(
        (got.member_id.as_str(), got.domain.as_str(), got.status),
        ("alpha", "alpha.bitrix24.ru", PortalStatus::Active)
    );
    assert_eq!(
        (
            got.time_zone.as_deref(),
            got.utc_offset_seconds,
            got.base_currency.as_deref()
        ),
        (Some("Europe/Moscow"), 10800, Some("RUB"))
    );
    assert_eq!(
        store
            .portal_by_member_id("beta")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(b)
    );
    assert_eq!(store.portal_by_member_id("gamma").await.unwrap(), None);

    store
        .set_portal_domain(
            a,
            "alpha-new.bitrix24.ru",
            "https://alpha-new.bitrix24.ru/rest/",
        )
        .await
        .unwrap();
    assert_eq!(
        store.portal(a).await.unwrap().unwrap().domain,
        "alpha-new.bitrix24.ru"
    );
    store
        .set_portal_locale(a, Some("Asia/Yekaterinburg"), 18000, Some("RUB"))
        .await
        .unwrap();
    assert_eq!(
        store.portal(a).await.unwrap().unwrap().utc_offset_seconds,
        18000
    );

    store
        .mark_portal_needs_attention(a, "refresh token revoked")
        .await
        .unwrap();
    let got = store.portal(a).await.unwrap().unwrap();
    assert_eq!(
        (got.status, got.attention_reason.as_deref()),
        (PortalStatus::NeedsAttention, Some("refresh token revoked"))
    );
    let active: Vec<PortalId> = store
        .active_portals()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(active, vec![b]);

    store.mark_portal_uninstalled(b).await.unwrap();
    let got = store.portal(b).await.unwrap().unwrap();
    assert_eq!(got.status, PortalStatus::Uninstalled);
    assert!(got.uninstalled_at.is_some());
    assert!(store.active_portals().await.unwrap().is_empty());

    // Installing again makes it active, clears the uninstall time, keeps a locale the payload does not carry.
    let mut again = new_portal("alpha");
    again.time_zone = None;
    again.utc_offset_seconds = None;
    assert_eq!(store.upsert_portal(&again).await.unwrap(), a);
    let got = store.portal(a).await.unwrap().unwrap();
    assert_eq!(
        (
            got.status,
            got.attention_reason,
            got.time_zone.as_deref(),
            got.utc_offset_seconds
        ),
        (
            PortalStatus::Active,
            None,
            Some("Asia/Yekaterinburg"),
            18000
        )
    );
    store.mark_portal_active(b).await.unwrap();
    assert_eq!(store.portal(b).await.unwrap().unwrap().uninstalled_at, None);
    assert_eq!(store.all_portals().await.unwrap().len(), 2);

    let err = store.upsert_portal(&new_portal("")).await.unwrap_err();
    assert_eq!(err.invalid_field(), Some("member_id"));
    assert!(matches!(
        store.mark_portal_active(PortalId(9_999)).await,
        Err(StoreError::NotFound(_))
    ));
});

store_test!(two_portals_with_the_same_ids_never_mix, |store| {
    let a = portal(&store, "a").await;
    let b = portal(&store, "b").await;
    fill(&store, a, "a").await;
    fill(&store, b, "b").await;
    let b_before = rows_per_table(&store, b).await;
    assert!(b_before.iter().all(|(_, n)| *n >= 1), "{b_before:?}");

    assert_eq!(store.deal(a, 1).await.unwrap().unwrap().title, "a deal 1");
    assert_eq!(store.deal(b, 1).await.unwrap().unwrap().title, "b deal 1");
    assert_eq!(
        store.custom_field_values(b, "DEAL", 1).await.unwrap()[0]
            .value
            .as_deref(),
        Some("b")
    );
    assert_eq!(
        store.tokens(b, "app.1").await.unwrap().unwrap().tokens,
        tokens("b")
    );

    // Writes, deletes and replacements on A.
    store.delete_deals(a, &[1, 2]).await.unwrap();
    store.replace_users(a, &[]).await.unwrap();
    store.replace_crm_statuses(a, &[]).await.unwrap();
    store
        .replace_custom_field_values(a, "DEAL", &[1], &[])
        .await
        .unwrap();
    store.upsert_deals(a, &[deal(1)]).await.unwrap();
    let b_events: Vec<i64> = store
        .take_events(b, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(store.mark_events_processed(a, &b_events).await.unwrap(), 0);
    let b_plan = store.plans(b).await.unwrap()[0].id;
    assert!(!store.delete_plan(a, b_plan).await.unwrap());
    assert!(matches!(
        store.update_plan(a, b_plan, &plan(5)).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(!store
        .release_lease(a, leases::kind::SYNC, "b")
        .await
        .unwrap());
    store.replace_access_rules(a, &[]).await.unwrap();
    let a_version = store.tokens(a, "app.1").await.unwrap().unwrap().version;
    assert!(store
        .replace_tokens_if_version(a, "app.1", a_version, &tokens("a2"))
        .await
        .unwrap());
    store
        .set_app_status(
            a,
            "app.1",
            &AppStatus {
                status: "F".into(),
                payment_expired: true,
                days_left: None,
                checked_at: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(rows_per_table(&store, b).await, b_before);
    assert_eq!(store.deal(b, 1).await.unwrap().unwrap().title, "b deal 1");
    assert_eq!(
        store.tokens(b, "app.1").await.unwrap().unwrap().tokens,
        tokens("b")
    );
    assert_eq!(
        store.portal_app(b, "app.1").await.unwrap().unwrap().status,
        None
    );
    assert_eq!(
        store.users(b).await.unwrap(),
        vec![user(1, &[1]), user(2, &[1])]
    );
    assert_eq!(
        store.custom_field_values(b, "DEAL", 1).await.unwrap(),
        vec![cf("DEAL", 1, "UF_CRM_X", Some("b"))]
    );

    // Uninstall with cleaning: every table of A emptied, B untouched.
    assert!(store.delete_portal(a).await.unwrap());
    assert!(rows_per_table(&store, a).await.iter().all(|(_, n)| *n == 0));
    assert_eq!(store.portal(a).await.unwrap(), None);
    assert_eq!(rows_per_table(&store, b).await, b_before);
    assert!(!store.delete_portal(a).await.unwrap());
});

store_test!(
    token_replacement_is_a_compare_and_swap_with_one_winner,
    |store| {
        let p = portal(&store, "tokens").await;
        let v0 = store
            .save_app_install(p, "app.1", &tokens("install"), Some("apptoken"))
            .await
            .unwrap();
        let stored = store.tokens(p, "app.1").await.unwrap().unwrap();
        assert_eq!(
            (stored.tokens.clone(), stored.version),
            (tokens("install"), v0)
        );
        assert!(
            !format!("{:?}", stored.tokens).contains("access-install"),
            "Debug must hide tokens"
        );

        // Eight "processes" refreshed from the same pair and race to store their result.
        let store = Arc::new(store);
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                (
                    i,
                    store
                        .replace_tokens_if_version(p, "app.1", v0, &tokens(&format!("refresh{i}")))
                        .await
                        .unwrap(),
                )
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            let (i, won) = t.await.unwrap();
            if won {
                winners.push(i);
            }
        }
        assert_eq!(winners.len(), 1, "winners: {winners:?}");
        let stored = store.tokens(p, "app.1").await.unwrap().unwrap();
        assert_eq!(stored.tokens, tokens(&format!("refresh{}", winners[0])));
        assert_eq!(stored.version, v0 + 1);
        // A stale version never wins afterwards; the current one does.
        assert!(!store
            .replace_tokens_if_version(p, "app.1", v0, &tokens("late"))
            .await
            .unwrap());
        assert!(store
            .replace_tokens_if_version(p, "app.1", v0 + 1, &tokens("next"))
            .await
            .unwrap());
        // A re-install replaces the pair and bumps the version, so a refresh begun before it loses.
        let v_install = store
            .save_app_install(p, "app.1", &tokens("reinstall"), None)
            .await
            .unwrap();
        assert_eq!(v_install, v0 + 3);
        assert!(!store
            .replace_tokens_if_version(p, "app.1", v0 + 2, &tokens("old"))
            .await
            .unwrap());
        assert_eq!(
            store
                .portal_app(p, "app.1")
                .await
                .unwrap()
                .unwrap()
                .application_token
                .as_deref(),
            Some("apptoken")
        );
        assert!(store
            .replace_tokens_if_version(p, "app.1", v_install, &tokens("after"))
            .await
            .unwrap());
        let mut empty = tokens("e");
        empty.refresh_token.clear();
        assert_eq!(
            store
                .replace_tokens_if_version(p, "app.1", v_install + 1, &empty)
                .await
                .unwrap_err()
                .invalid_field(),
            Some("refresh_token")
        );
        assert_eq!(store.tokens(p, "app.2").await.unwrap(), None);

        let status = AppStatus {
            status: "P".into(),
            payment_expired: false,
            days_left: Some(30),
            checked_at: 1_800_000_000,
        };
        store.set_app_status(p, "app.1", &status).await.unwrap();
        let app = store.portal_app(p, "app.1").await.unwrap().unwrap();
        assert_eq!(
            (app.status, app.token_version),
            (Some(status), v_install + 1)
        );
        assert!(matches!(
            store
                .set_app_status(
                    p,
                    "app.9",
                    &AppStatus {
                        status: "F".into(),
                        payment_expired: true,
                        days_left: None,
                        checked_at: 1
                    }
                )
                .await,
            Err(StoreError::NotFound(_))
        ));
        store.mark_app_uninstalled(p, "app.1").await.unwrap();
        assert!(store.portal_apps(p).await.unwrap()[0]
            .uninstalled_at
            .is_some());
    }
);

store_test!(exactly_one_concurrent_holder_gets_a_lease, |store| {
    let p = portal(&store, "lease").await;
    let store = Arc::new(store);
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let holder = format!("worker-{i}");
            barrier.wait().await;
            let won = store
                .try_acquire_lease(p, leases::kind::SYNC, &holder, Duration::from_secs(60))
                .await
                .unwrap();
            (holder, won)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let (holder, won) = t.await.unwrap();
        if won {
            winners.push(holder);
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let owner = winners[0].clone();
    let lease = store.lease(p, leases::kind::SYNC).await.unwrap().unwrap();
    assert_eq!(lease.holder, owner);

    // The holder renews; others cannot take, renew or release it.
    assert!(store
        .try_acquire_lease(p, leases::kind::SYNC, &owner, Duration::from_secs(60))
        .await
        .unwrap());
    assert!(!store
        .try_acquire_lease(p, leases::kind::SYNC, "intruder", Duration::from_secs(60))
        .await
        .unwrap());
    assert!(!store
        .renew_lease(p, leases::kind::SYNC, "intruder", Duration::from_secs(60))
        .await
        .unwrap());
    assert!(!store
        .release_lease(p, leases::kind::SYNC, "intruder")
        .await
        .unwrap());
    assert!(store
        .renew_lease(p, leases::kind::SYNC, &owner, Duration::from_secs(60))
        .await
        .unwrap());
    // Another kind on the same portal is a separate lease.
    assert!(store
        .try_acquire_lease(
            p,
            leases::kind::TOKEN_REFRESH,
            "intruder",
            Duration::from_secs(60)
        )
        .await
        .unwrap());
    assert!(store
        .release_lease(p, leases::kind::SYNC, &owner)
        .await
        .unwrap());
    assert!(store
        .try_acquire_lease(p, leases::kind::SYNC, "intruder", Duration::from_secs(60))
        .await
        .unwrap());
});

store_test!(an_expired_lease_is_taken_over, |store| {
    let p = portal(&store, "expiry").await;
    let q = portal(&store, "busy").await;
    let r = portal(&store, "flagged").await;
    store
        .mark_portal_needs_attention(r, "unpaid")
        .await
        .unwrap();
    assert!(store
        .try_acquire_lease(
            p,
            leases::kind::SYNC,
            "dead-process",
            Duration::from_millis(1)
        )
        .await
        .unwrap());
    assert!(store
        .try_acquire_lease(q, leases::kind::SYNC, "alive", Duration::from_secs(600))
        .await
        .unwrap());
    assert!(!store
        .try_acquire_lease(p, leases::kind::SYNC, "successor", Duration::from_secs(60))
        .await
        .unwrap());
    assert!(store.portals_needing_sync(10).await.unwrap().is_empty());

    // The lease lasts whole seconds; once past its expiry second it is free for the taking.
    let expires_at = store
        .lease(p, leases::kind::SYNC)
        .await
        .unwrap()
        .unwrap()
        .expires_at;
    while chrono::Utc::now().timestamp() <= expires_at {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(store.portals_needing_sync(10).await.unwrap(), vec![p]);
    assert!(store
        .try_acquire_lease(p, leases::kind::SYNC, "successor", Duration::from_secs(60))
        .await
        .unwrap());
    assert_eq!(
        store
            .lease(p, leases::kind::SYNC)
            .await
            .unwrap()
            .unwrap()
            .holder,
        "successor"
    );
    assert!(!store
        .renew_lease(
            p,
            leases::kind::SYNC,
            "dead-process",
            Duration::from_secs(60)
        )
        .await
        .unwrap());
    assert!(store.portals_needing_sync(10).await.unwrap().is_empty());
});

store_test!(pending_events_deduplicate_while_unprocessed, |store| {
    let p = portal(&store, "events").await;
    let q = portal(&store, "other").await;
    assert!(store
        .enqueue_event(p, "ONCRMDEALUPDATE", "deals", 5)
        .await
        .unwrap());
    assert!(!store
        .enqueue_event(p, "ONCRMDEALUPDATE", "deals", 5)
        .await
        .unwrap());
    assert!(store
        .enqueue_event(p, "ONCRMDEALDELETE", "deals", 5)
        .await
        .unwrap());
    assert!(store
        .enqueue_event(p, "ONCRMDEALUPDATE", "deals", 6)
        .await
        .unwrap());
    assert!(store
        .enqueue_event(q, "ONCRMDEALUPDATE", "deals", 5)
        .await
        .unwrap());

    let batch = store.take_events(p, 2).await.unwrap();
    let got: Vec<(&str, i64)> = batch
        .iter()
        .map(|e| (e.event.as_str(), e.entity_id))
        .collect();
    assert_eq!(got, vec![("ONCRMDEALUPDATE", 5), ("ONCRMDEALDELETE", 5)]);
    let ids: Vec<i64> = batch.iter().map(|e| e.id).collect();
    assert_eq!(store.mark_events_processed(p, &ids).await.unwrap(), 2);
    assert_eq!(store.mark_events_processed(p, &ids).await.unwrap(), 0);
    let rest = store.take_events(p, 10).await.unwrap();
    assert_eq!(
        rest.iter().map(|e| e.entity_id).collect::<Vec<_>>(),
        vec![6]
    );
    // Processed, the same change may be queued again.
    assert!(store
        .enqueue_event(p, "ONCRMDEALUPDATE", "deals", 5)
        .await
        .unwrap());
    assert_eq!(store.take_events(p, 10).await.unwrap().len(), 2);
    assert_eq!(store.take_events(q, 10).await.unwrap().len(), 1);
    assert_eq!(
        store
            .purge_processed_events(p, chrono::Utc::now().timestamp() + 1)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .enqueue_event(p, "ONCRMDEALUPDATE", "deals", 0)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("entity_id")
    );
});
