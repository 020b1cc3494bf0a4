//! The weekly digest's once-per-week claims on both backends: the first claim of a recipient's week wins, a second
//! holder (another replica) is refused, a refused send may be claimed again up to the attempt limit, a sent or
//! claimed week never again; bad input is refused with nothing stored.

use crate::common;

use b24a_store::*;
use common::*;

store_test!(a_week_is_claimed_once_per_recipient, |store| {
    let p = portal(&store, "digest").await;
    let week = "2026-W50";
    assert!(store.claim_digest(p, 7, week, "replica-a").await.unwrap());
    assert!(
        !store.claim_digest(p, 7, week, "replica-b").await.unwrap(),
        "another replica finds the row"
    );
    assert!(
        !store.claim_digest(p, 7, week, "replica-a").await.unwrap(),
        "not even the holder claims a claimed week twice"
    );
    assert!(store.claim_digest(p, 8, week, "replica-b").await.unwrap());
    assert!(store
        .claim_digest(p, 7, "2026-W51", "replica-b")
        .await
        .unwrap());
    store
        .finish_digest(p, 7, week, "replica-a", Ok(()))
        .await
        .unwrap();
    // Only the holder's claim changes: replica-b cannot mark recipient 8's week failed for replica-a.
    store
        .finish_digest(p, 8, week, "replica-a", Err("x"))
        .await
        .unwrap();
    let rows = store.digest_records(p, week).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].recipient_id, rows[0].status.as_str()), (7, "sent"));
    assert!(rows[0].sent_at.is_some());
    assert_eq!(
        (rows[1].recipient_id, rows[1].status.as_str()),
        (8, "claimed")
    );
    assert!(
        !store.claim_digest(p, 7, week, "replica-b").await.unwrap(),
        "sent stays sent"
    );
});

store_test!(a_refused_send_is_retried_at_most_three_times, |store| {
    let p = portal(&store, "digest-retry").await;
    let week = "2026-W50";
    for attempt in 1..=digest::MAX_ATTEMPTS {
        let holder = format!("r{attempt}");
        assert!(
            store.claim_digest(p, 7, week, &holder).await.unwrap(),
            "attempt {attempt}"
        );
        store
            .finish_digest(p, 7, week, &holder, Err("QUERY_LIMIT_EXCEEDED"))
            .await
            .unwrap();
    }
    assert!(!store.claim_digest(p, 7, week, "r9").await.unwrap());
    let rows = store.digest_records(p, week).await.unwrap();
    assert_eq!(rows[0].attempts, digest::MAX_ATTEMPTS);
    assert_eq!(rows[0].status, "failed");
    assert_eq!(rows[0].error.as_deref(), Some("QUERY_LIMIT_EXCEEDED"));
});

store_test!(an_empty_week_or_holder_is_refused, |store| {
    let p = portal(&store, "digest-bad").await;
    assert!(store.claim_digest(p, 7, "", "a").await.is_err());
    assert!(store.claim_digest(p, 7, "2026-W50", "").await.is_err());
    assert!(store.digest_records(p, "").await.unwrap().is_empty());
});

store_test!(
    digest_settings_default_round_trip_and_refuse_bad_values,
    |store| {
        let p = portal(&store, "digest-settings").await;
        let d = store.digest_settings(p).await.unwrap();
        assert_eq!(d, DigestSettings::default());
        assert!(!d.enabled);
        let s = DigestSettings {
            enabled: true,
            weekday: 1,
            hour: 8,
            recipients: vec![3, 5],
            lang: "en".into(),
        };
        store.set_digest_settings(p, &s, Some(1)).await.unwrap();
        assert_eq!(store.digest_settings(p).await.unwrap(), s);
        for (bad, field) in [
            (
                DigestSettings {
                    weekday: 0,
                    ..s.clone()
                },
                "weekday",
            ),
            (
                DigestSettings {
                    weekday: 8,
                    ..s.clone()
                },
                "weekday",
            ),
            (
                DigestSettings {
                    hour: 24,
                    ..s.clone()
                },
                "hour",
            ),
            (
                DigestSettings {
                    lang: "de".into(),
                    ..s.clone()
                },
                "lang",
            ),
            (
                DigestSettings {
                    recipients: vec![3, 3],
                    ..s.clone()
                },
                "recipients",
            ),
            (
                DigestSettings {
                    recipients: vec![-1],
                    ..s.clone()
                },
                "recipients",
            ),
            (
                DigestSettings {
                    recipients: (1..=51).collect(),
                    ..s.clone()
                },
                "recipients",
            ),
        ] {
            let e = store.set_digest_settings(p, &bad, None).await.unwrap_err();
            assert_eq!(e.invalid_field(), Some(field), "{bad:?}");
        }
        assert_eq!(
            store.digest_settings(p).await.unwrap(),
            s,
            "nothing written"
        );
    }
);
