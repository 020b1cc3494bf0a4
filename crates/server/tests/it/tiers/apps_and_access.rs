//! Tiers, part two: two app registrations in one portal see only their own reports, and a user without access is
//! refused by the page and the API while an administrator always gets in (helpers in `tiers`).

use super::*;

/// Two app registrations installed in one portal: each page lists only its reports, each API refuses the other's
/// reports, tokens and tiers are kept per portal × app.
async fn two_apps_in_one_portal(backend: Backend) {
    const A: &str = "local.b24a.sales";
    const B: &str = "local.b24a.tasks";
    let env = start(
        backend,
        &[
            (A, &["sales_dynamics", "managers"]),
            (B, &["tasks", "forget_me_not"]),
        ],
        false,
    )
    .await;
    env.portal.install_app(A).await.unwrap();
    env.portal.install_app(B).await.unwrap();
    let portal = env.portal_id().await;

    let ids = |html: &str| -> Vec<String> {
        config_of(html)["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, html_a) = env.launch_as(A, 1, "en").await;
    let (_, html_b) = env.launch_as(B, 1, "en").await;
    assert_eq!(ids(&html_a), ["sales_dynamics", "managers"]);
    assert_eq!(ids(&html_b), ["tasks", "forget_me_not"]);
    assert!(html_a.contains("App local.b24a.sales") && html_b.contains("App local.b24a.tasks"));
    let sa = common::Harness::session_of(&html_a);
    let sb = common::Harness::session_of(&html_b);
    let body =
        json!({"filter": {"period": {"preset": "last_days", "days": 30}, "compare": "none"}});
    for (session, own, foreign) in [
        (
            &sa,
            ["sales_dynamics", "managers"],
            ["tasks", "forget_me_not"],
        ),
        (
            &sb,
            ["tasks", "forget_me_not"],
            ["sales_dynamics", "managers"],
        ),
    ] {
        for r in own {
            assert_eq!(
                env.post(session, &format!("/api/reports/{r}"), body.clone())
                    .await
                    .0,
                200,
                "{r}"
            );
        }
        for r in foreign {
            assert_eq!(
                env.post(session, &format!("/api/reports/{r}"), body.clone())
                    .await
                    .0,
                403,
                "{r}"
            );
            assert_eq!(
                env.post(session, &format!("/api/reports/{r}/export"), body.clone())
                    .await
                    .0,
                403,
                "{r}"
            );
        }
        assert_eq!(
            env.post(session, "/api/reports/plan", body.clone()).await.0,
            403,
            "enabled by neither"
        );
    }

    // Tokens per portal × app: two live pairs, each answering for its own app.
    let ta = env.state.store.tokens(portal, A).await.unwrap().unwrap();
    let tb = env.state.store.tokens(portal, B).await.unwrap().unwrap();
    assert_ne!(ta.tokens.access_token, tb.tokens.access_token);
    for (t, id) in [(&ta, A), (&tb, B)] {
        let v = b24a_server::verify::app_info(
            &env.http,
            &env.emulator.server_endpoint(),
            &t.tokens.access_token,
        )
        .await
        .unwrap();
        assert_eq!(
            (v.client_id.as_str(), v.member_id.as_str()),
            (id, env.portal.member_id().as_str())
        );
    }
    let apps = env.state.store.portal_apps(portal).await.unwrap();
    assert_eq!(
        apps.iter()
            .map(|a| a.client_id.as_str())
            .collect::<Vec<_>>(),
        [A, B]
    );

    // Tiers per portal × app: A free, B paid, in the same portal.
    env.portal
        .set_app_status(A, AppStatus::new("F", false, None));
    env.portal
        .set_app_status(B, AppStatus::new("P", false, Some(100)));
    let sa = env.session(A, 1, "en").await;
    let sb = env.session(B, 1, "en").await;
    let today = today(&env).await;
    let (_, a) = env
        .post(&sa, "/api/reports/sales_dynamics", long_period())
        .await;
    assert_eq!(
        a["meta"]["clamp"]["applied_from"],
        today
            .checked_sub_months(Months::new(3))
            .unwrap()
            .to_string()
    );
    let (_, b) = env.post(&sb, "/api/reports/tasks", long_period()).await;
    assert_eq!(
        b["meta"]["clamp"]["applied_from"],
        today
            .checked_sub_months(Months::new(24))
            .unwrap()
            .to_string()
    );
    assert_eq!(
        env.state
            .store
            .tier(portal, A)
            .await
            .unwrap()
            .unwrap()
            .status,
        "F"
    );
    assert_eq!(
        env.state
            .store
            .tier(portal, B)
            .await
            .unwrap()
            .unwrap()
            .status,
        "P"
    );
}

b24a_store::store_test!(two_apps_in_one_portal, |backend: Backend| {
    two_apps_in_one_portal(backend).await;
});

/// A non-admin without a rule gets the polite page with 403 and the API refuses every call; an admin always gets
/// in; a department rule lets the user in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_without_access_is_refused_by_page_and_api_admin_always_in() {
    let env = start(Backend::Sqlite, &[(ALL, &[])], false).await;
    env.portal.install_app(ALL).await.unwrap();
    env.portal
        .set_app_status(ALL, AppStatus::new("F", false, None));
    let (user, dept) = env
        .portal
        .with_data(|d| {
            d.users
                .iter()
                .find(|u| !u.is_admin && u.active && !u.departments.is_empty())
                .map(|u| (u.id, u.departments[0]))
        })
        .flatten()
        .unwrap();
    let (status, html) = env.launch_as(ALL, user, "en").await;
    assert_eq!(status, 403);
    assert!(
        html.contains("No access to the reports") && html.contains("Ask them"),
        "a human message"
    );
    assert!(
        !html.contains(r#"id="b24a-tier""#),
        "no tier banner on the polite page of a free portal"
    );
    let (status, html_ru) = env.launch_as(ALL, user, "ru").await;
    assert_eq!(status, 403);
    assert!(html_ru.contains("Нет доступа к отчётам"));
    let session = common::Harness::session_of(&html);
    for r in [
        "sales_dynamics",
        "managers",
        "plan",
        "marketing",
        "tasks",
        "forget_me_not",
        "linked",
    ] {
        assert_eq!(
            env.post(&session, &format!("/api/reports/{r}"), json!({}))
                .await
                .0,
            403,
            "{r}"
        );
    }
    assert_eq!(
        env.get(&session, "/api/dictionaries").await,
        403,
        "no employee lists either"
    );
    assert_eq!(env.get(&session, "/api/settings").await, 403);
    assert_eq!(env.get(&session, "/api/settings/linked").await, 403);

    // The admin always gets in, with every report and no rule at all.
    let (status, html) = env.launch_as(ALL, 1, "en").await;
    assert_eq!(status, 200);
    assert_eq!(config_of(&html)["reports"].as_array().unwrap().len(), 7);
    let admin = common::Harness::session_of(&html);
    assert_eq!(
        env.post(&admin, "/api/reports/marketing", json!({}))
            .await
            .0,
        200
    );

    // A rule on the user's department opens one report, on the page and in the API.
    let r = env
        .http
        .put(format!("{}/api/settings/access", env.base))
        .header("x-b24a-session", &admin)
        .json(&json!([{"report": "tasks", "subject": {"type": "department", "id": dept}}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, html) = env.launch_as(ALL, user, "en").await;
    assert_eq!(status, 200);
    assert_eq!(config_of(&html)["reports"][0]["id"], "tasks");
    assert!(
        html.contains("Free plan"),
        "the banner shows once the user has access"
    );
    let session = common::Harness::session_of(&html);
    assert_eq!(
        env.post(&session, "/api/reports/tasks", json!({})).await.0,
        200
    );
    assert_eq!(
        env.post(&session, "/api/reports/sales_dynamics", json!({}))
            .await
            .0,
        403
    );
    assert_eq!(env.get(&session, "/api/dictionaries").await, 200);
}
