//! The client against the emulated portal over real HTTP: chained ID-cursor exports return every row exactly once
//! in both directions, with the predicted number of requests, across id gaps and when resumed from a cursor;
//! typed errors for unknown methods; dictionaries by offset batches.

use b24a_client::export::{fetch_all_offset, ListSpec};
use b24a_client::{ApiError, Batch, Client, ClientConfig, Direction, IdCursorExport};
use b24a_emulator::{CompanyConfig, EmulatorOptions, Limits, PortalHandle, PortalSpec, Size};
use serde_json::json;

async fn portal(seed: u64) -> (b24a_emulator::Emulator, PortalHandle, Client) {
    let emu = b24a_emulator::start(EmulatorOptions::default())
        .await
        .unwrap();
    let limits = Limits {
        rate_enabled: false,
        operating_enabled: false,
        ..Limits::default()
    };
    let p = emu
        .add_portal(
            PortalSpec::generated(&CompanyConfig::new(seed, Size::Tiny)).with_limits(limits),
        )
        .await
        .unwrap();
    let client = Client::webhook(&p.create_webhook(1), ClientConfig::default()).unwrap();
    (emu, p, client)
}

fn deals_spec() -> ListSpec {
    ListSpec::crm("crm.deal.list", json!({"select": ["ID", "TITLE"]}))
}

async fn drain(mut export: IdCursorExport) -> (Vec<i64>, usize) {
    let mut ids = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = export.next_chunk().await.unwrap() {
        chunks += 1;
        for r in &chunk.rows {
            ids.push(r.int("ID").unwrap());
        }
    }
    (ids, chunks)
}

#[tokio::test]
async fn ascending_export_without_a_far_end_grows_its_chain() {
    let (_emu, p, client) = portal(1).await;
    let expected: Vec<i64> = p.snapshot().deals.iter().map(|d| d.id).collect();
    assert!(expected.len() > 100 && expected.len() < 2500);
    let before = p.request_count();
    let (ids, chunks) = drain(IdCursorExport::new(
        client,
        deals_spec(),
        Direction::Asc,
        None,
        None,
    ))
    .await;
    assert_eq!(ids, expected, "every deal once, in id order");
    // Unknown size: 1 page, then 4, then 16 … until a short page ends it.
    let mut expected_requests = 0;
    let (mut pages_read, mut chain) = (0usize, 1usize);
    while pages_read * 50 <= expected.len() {
        expected_requests += 1;
        pages_read += chain;
        chain = (chain * 4).min(50);
    }
    assert_eq!(chunks, expected_requests);
    assert_eq!(p.request_count() - before, expected_requests as u64);
}

#[tokio::test]
async fn descending_export_with_gaps_and_a_resumed_cursor() {
    let (_emu, p, client) = portal(2).await;
    // Gaps in the id sequence: the chain is sized by id span, so it is longer than the rows; the short page must
    // still end it and nothing after it may be taken.
    let all: Vec<i64> = p.snapshot().deals.iter().map(|d| d.id).collect();
    for id in all.iter().step_by(3).take(30) {
        p.delete_deal(*id).await.unwrap();
    }
    let mut expected: Vec<i64> = p.snapshot().deals.iter().map(|d| d.id).collect();
    expected.reverse();
    let (lo, hi) = (*expected.last().unwrap(), expected[0]);
    let (ids, _) = drain(IdCursorExport::new(
        client.clone(),
        deals_spec(),
        Direction::Desc,
        Some(hi + 1),
        Some(lo),
    ))
    .await;
    assert_eq!(ids, expected);

    // Resume: one 50-row chunk, then a new export from its cursor; together exactly the set.
    let mut first = IdCursorExport::new(
        client.clone(),
        deals_spec(),
        Direction::Desc,
        None,
        Some(lo),
    )
    .with_max_chain(1);
    let chunk = first.next_chunk().await.unwrap().unwrap();
    assert_eq!(chunk.rows.len(), 50);
    let rest = IdCursorExport::new(
        client,
        deals_spec(),
        Direction::Desc,
        chunk.cursor,
        Some(lo),
    );
    let (tail, _) = drain(rest).await;
    let mut got: Vec<i64> = chunk.rows.iter().map(|r| r.int("ID").unwrap()).collect();
    got.extend(tail);
    assert_eq!(got, expected);
}

#[tokio::test]
async fn request_count_follows_the_chain_length() {
    let (_emu, p, client) = portal(3).await;
    let n = p.snapshot().deals.len();
    let before = p.request_count();
    // Two pages per request: ceil(n / 100) requests, the last one ends on a short page or the far end.
    let lo = p.snapshot().deals[0].id;
    let hi = p.snapshot().deals[n - 1].id;
    let export =
        IdCursorExport::new(client, deals_spec(), Direction::Asc, None, Some(hi)).with_max_chain(2);
    let (ids, chunks) = drain(export).await;
    assert_eq!(ids.len(), n);
    assert_eq!(ids[0], lo);
    assert_eq!(chunks, n.div_ceil(100));
    assert_eq!(p.request_count() - before, n.div_ceil(100) as u64);
}

#[tokio::test]
async fn stage_history_and_tasks_use_their_own_wrappers() {
    let (_emu, p, client) = portal(4).await;
    let data = p.snapshot();
    let history = ListSpec {
        rows_path: Some("items".into()),
        ..ListSpec::crm(
            "crm.stagehistory.list",
            json!({"entityTypeId": 2, "select": ["ID", "OWNER_ID"]}),
        )
    };
    let (ids, _) = drain(IdCursorExport::new(
        client.clone(),
        history,
        Direction::Asc,
        None,
        None,
    ))
    .await;
    assert_eq!(
        ids,
        data.deal_history.iter().map(|h| h.id).collect::<Vec<_>>()
    );
    let tasks = ListSpec {
        row_id_field: "id".into(),
        rows_path: Some("tasks".into()),
        ..ListSpec::crm("tasks.task.list", json!({"select": ["ID", "TITLE"]}))
    };
    let mut export = IdCursorExport::new(client, tasks, Direction::Asc, None, None);
    let mut got = Vec::new();
    while let Some(c) = export.next_chunk().await.unwrap() {
        got.extend(c.rows.iter().map(|r| r.int("id").unwrap()));
    }
    assert_eq!(got, data.tasks.iter().map(|t| t.id).collect::<Vec<_>>());
}

#[tokio::test]
async fn offset_dictionaries_and_typed_errors() {
    let (_emu, p, client) = portal(5).await;
    let statuses = fetch_all_offset(&client, "crm.status.list", json!({}), None)
        .await
        .unwrap();
    assert_eq!(statuses.len(), p.snapshot().statuses.len());
    match client.call("no.such.method", json!({})).await {
        Err(ApiError::Method { code, .. }) => assert_eq!(code, "ERROR_METHOD_NOT_FOUND"),
        other => panic!("{other:?}"),
    }
    let mut batch = Batch::new();
    batch
        .push("a", "crm.deal.get", json!({"ID": 999_999_999}))
        .unwrap();
    batch
        .push("b", "crm.deal.list", json!({"start": -1, "select": ["ID"]}))
        .unwrap();
    let resp = client.batch(&batch).await.unwrap();
    assert!(resp.errors.contains_key("a"), "{resp:?}");
    assert!(resp.results.contains_key("b"));
    // A bad webhook is refused for good, not retried.
    let bad = Client::webhook(
        &format!("{}/rest/1/wrongcode/", p.base_url()),
        ClientConfig::default(),
    )
    .unwrap();
    let err = bad.call("crm.deal.list", json!({})).await.unwrap_err();
    assert!(
        err.needs_attention() || matches!(err, ApiError::Method { .. }),
        "{err:?}"
    );
    assert_eq!(bad.retry_count(), 0);
}
