//! The portal's time zone is learned from the portal (server.time, a half-year-old deal's DATE_CREATE, the zones
//! employees named) and the reports draw their day boundaries in it: a portal at +10:00 and one with summer time,
//! on SQLite and PostgreSQL, through the emulator over HTTP.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{CompanyConfig, PortalSpec, Size, Zone};
use b24a_store::Store;
use b24a_sync::{portal, PortalSync, SyncOptions};
use chrono::NaiveDate;

/// Syncs one cycle of a generated portal in `zone` (with the employees' own zones cleared when `anonymous`) and
/// returns the stored (time_zone, utc_offset_seconds) and the reports' context.
async fn learned(
    store: Store,
    zone: &str,
    anonymous: bool,
) -> (Option<String>, i64, b24a_reports::PortalContext) {
    let emulator = b24a_emulator::start(b24a_emulator::EmulatorOptions::default())
        .await
        .unwrap();
    let cfg = CompanyConfig {
        zone: Zone::parse(zone).expect("a zone"),
        ..CompanyConfig::new(21, Size::Tiny)
    };
    let mut spec = PortalSpec::generated(&cfg).with_limits(common::no_limits());
    if anonymous {
        for u in &mut spec.data.users {
            u.time_zone.clear();
        }
    }
    let p = emulator.add_portal(spec).await.unwrap();
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let report = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default())
        .run_cycle()
        .await
        .unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let row = store
        .portal(b24a_store::PortalId(portal_id))
        .await
        .unwrap()
        .expect("portal stored");
    let ctx =
        b24a_reports::PortalContext::load(&store, portal_id, 24, chrono::Utc::now().timestamp())
            .await
            .unwrap();
    (row.time_zone, row.utc_offset_seconds, ctx)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn vladivostok(store: Store) {
    let (name, offset, ctx) = learned(store, "Asia/Vladivostok", false).await;
    assert_eq!(name.as_deref(), Some("Asia/Vladivostok"));
    assert_eq!(offset, 10 * 3600);
    // 2026-01-15 15:30 UTC is 01:30 on the 16th in Vladivostok (18:30 on the 15th in Moscow).
    assert_eq!(ctx.tz.day(1_768_491_000), day(2026, 1, 16));
    assert_eq!(
        ctx.tz.day_start(day(2026, 1, 16)),
        1_768_485_600,
        "midnight is 14:00 UTC"
    );
}

async fn berlin_nobody_named(store: Store) {
    let (name, offset, ctx) = learned(store, "Europe/Berlin", true).await;
    // No employee named a zone: the two offsets the portal showed (summer and winter) pick a zone with its rules.
    let name = name.expect("summer time makes a named zone");
    let tz: chrono_tz::Tz = name.parse().unwrap();
    let now = chrono::Utc::now();
    use chrono::{Offset, TimeZone};
    assert_eq!(
        offset,
        i64::from(
            tz.offset_from_utc_datetime(&now.naive_utc())
                .fix()
                .local_minus_utc()
        ),
        "the offset in force now"
    );
    // 2026-07-15 22:30 UTC is 00:30 on the 16th at +02:00 (summer), 2026-01-15 23:30 UTC is 00:30 on the 16th at +01:00.
    assert_eq!(ctx.tz.day(1_784_154_600), day(2026, 7, 16));
    assert_eq!(ctx.tz.day(1_768_519_800), day(2026, 1, 16));
}

b24a_store::store_test!(a_plus_ten_portal, |backend: Backend| {
    let (store, _url, _db) = common::store_on(backend).await;
    vladivostok(store).await;
});

b24a_store::store_test!(a_summer_time_portal, |backend: Backend| {
    let (store, _url, _db) = common::store_on(backend).await;
    berlin_nobody_named(store).await;
});
