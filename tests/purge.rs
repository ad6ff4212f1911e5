//! Data purging on the real server with the real purge extension, on SQLite
//! and PostgreSQL. A hand-built dataset where every row's fate is known is
//! purged under each setting and channel selection, and the database is
//! compared row by row with what must remain; each dry run counts exactly
//! what the real run then deletes; a run with a fault injected mid-batch
//! leaves no thread part-deleted, and the run after it ends where a clean run
//! ends; retention 0, negative or missing is refused; the admin API and the
//! scheduler run purges one at a time, across two nodes on one PostgreSQL.

use exthost::store::{StartedBy, now_ms};
use exthost_tests::both_backends;
use exthost_tests::purge::{
    add_purge, all_on, build_dataset, remove, run_purge, snapshot, thread_shapes, wait_for, wipe,
};
use exthost_tests::server::{Options, Server, TOKEN};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// Threads per batch of the built-in purge (`plugins/purge/src/plan.rs`).
const THREAD_BATCH: usize = 50;

/// One setting and channel selection, and the rows it must delete.
struct Case {
    name: &'static str,
    settings: Value,
    /// `table/id` of the served tenant's rows that go; everything else stays.
    deleted: &'static [&'static str],
    counts: Value,
}

const T1: &[&str] = &[
    "thread/h-t1",
    "message/h-t1-m1",
    "message/h-t1-m2",
    "intervention/h-v1",
    "intervention_comment/h-k1",
];
const T3: &[&str] = &[
    "thread/h-t3",
    "message/h-t3-m1",
    "message/h-t3-m2",
    "message/h-t3-m3",
    "intervention/h-v3",
    "intervention_comment/h-k3",
];
const T4: &[&str] = &["thread/h-t4", "message/h-t4-m1"];
const T5: &[&str] = &["thread/h-t5", "message/h-t5-m1", "message/h-t5-m2"];

fn cases() -> Vec<(Case, Vec<&'static str>)> {
    let join = |parts: &[&[&'static str]]| parts.concat();
    vec![
        (
            Case {
                name: "everything, every channel",
                settings: all_on(""),
                deleted: &[
                    "identity/h-i1",
                    "identity/h-i3",
                    "identity/h-i4",
                    "identity/h-i5",
                    "identity/h-i7",
                    "identity/h-i10",
                    "identity_group/h-g1",
                    "identity_group/h-g2",
                    "identity_group/h-g3",
                    "event/h-ev-old",
                    "stat/h-st-a-old",
                    "stat/h-st-z-old",
                    "agent_activity/h-aa-old",
                ],
                counts: json!({"threads": 4, "messages": 8, "interventions": 2, "comments": 2, "events": 1,
                    "identities": 6, "identity-groups": 3, "stats": 2, "agent-activities": 1}),
            },
            join(&[T1, T3, T4, T5]),
        ),
        (
            Case {
                name: "everything, channels ch-a and ch-b",
                settings: all_on("ch-a, ch-b"),
                deleted: &[
                    "identity/h-i1",
                    "identity/h-i3",
                    "identity/h-i4",
                    "identity/h-i7",
                    "identity/h-i10",
                    "identity_group/h-g1",
                    "identity_group/h-g2",
                    "event/h-ev-old",
                    "stat/h-st-a-old",
                    "agent_activity/h-aa-old",
                ],
                counts: json!({"threads": 3, "messages": 7, "interventions": 2, "comments": 2, "events": 1,
                    "identities": 5, "identity-groups": 2, "stats": 1, "agent-activities": 1}),
            },
            join(&[T1, T3, T5]),
        ),
        (
            Case {
                name: "threads only, channel ch-b",
                settings: json!({"purge_threads": true, "retention_days": 30, "channels": "ch-b"}),
                deleted: &[],
                counts: json!({"threads": 1, "messages": 3, "interventions": 1, "comments": 1}),
            },
            T3.to_vec(),
        ),
        (
            Case {
                name: "threads and identities, channel ch-b",
                settings: json!({"purge_threads": true, "purge_identities": true, "retention_days": 30,
                    "channels": "ch-b"}),
                deleted: &[
                    "identity/h-i3",
                    "identity/h-i4",
                    "identity/h-i10",
                    "identity_group/h-g2",
                ],
                counts: json!({"threads": 1, "messages": 3, "interventions": 1, "comments": 1,
                    "identities": 3, "identity-groups": 1}),
            },
            T3.to_vec(),
        ),
        (
            Case {
                name: "identities without threads",
                settings: json!({"purge_identities": true, "retention_days": 30}),
                deleted: &[],
                counts: json!({}),
            },
            vec![],
        ),
        (
            Case {
                name: "events only",
                settings: json!({"purge_events": true, "retention_days": 30}),
                deleted: &["event/h-ev-old"],
                counts: json!({"events": 1}),
            },
            vec![],
        ),
        (
            Case {
                name: "stats only, channel ch-z",
                settings: json!({"purge_stats": true, "retention_days": 30, "channels": "ch-z"}),
                deleted: &["stat/h-st-z-old"],
                counts: json!({"stats": 1}),
            },
            vec![],
        ),
        (
            Case {
                name: "agent activities only, long retention",
                settings: json!({"purge_agent_activities": true, "retention_days": 4}),
                deleted: &["agent_activity/h-aa-old", "agent_activity/h-aa-new"],
                counts: json!({"agent-activities": 2}),
            },
            vec![],
        ),
    ]
}

fn tenant(s: &Server) -> String {
    s.state.config.tenant.clone()
}

/// The snapshot `before` without the served tenant's `deleted` rows.
fn expect(before: &BTreeSet<String>, tenant: &str, deleted: &[&str]) -> BTreeSet<String> {
    let gone: BTreeSet<String> = deleted
        .iter()
        .map(|key| {
            let (table, id) = key.split_once('/').expect("table/id");
            format!("{table}/{tenant}/{id}")
        })
        .collect();
    for g in &gone {
        assert!(before.contains(g), "the dataset has no row {g}");
    }
    // A purged thread's identity links go with it, by the end of the run.
    let threads: BTreeSet<&str> = deleted.iter().filter_map(|key| key.strip_prefix("thread/")).collect();
    let link_prefix = format!("identity_thread/{tenant}/");
    before
        .iter()
        .filter(|row| !gone.contains(*row))
        .filter(|row| {
            let link = row.strip_prefix(&link_prefix);
            !link
                .and_then(|l| l.split_once('/'))
                .is_some_and(|(_, thread)| threads.contains(thread))
        })
        .cloned()
        .collect()
}

async fn each_setting_deletes_exactly_its_rows(s: Server) {
    let tenant = tenant(&s);
    for (case, threads) in cases() {
        wipe(&s).await;
        build_dataset(&s.state.store, &tenant, now_ms()).await;
        let before = snapshot(s.pool()).await;
        let mut deleted: Vec<&str> = case.deleted.to_vec();
        deleted.extend(threads);
        let expected = expect(&before, &tenant, &deleted);
        let id = add_purge(&s, case.settings.clone()).await;

        let dry = run_purge(&s, &id, true).await;
        assert_eq!(dry["state"], "finished", "{}: {dry}", case.name);
        assert_eq!(
            snapshot(s.pool()).await,
            before,
            "{}: a dry run deleted something",
            case.name
        );

        let events_before = s.events("expired_data_purge.").await.len();
        let real = run_purge(&s, &id, false).await;
        assert_eq!(real["state"], "finished", "{}: {real}", case.name);
        assert_eq!(real["started_by"], "admin");
        let after = snapshot(s.pool()).await;
        let unexpected: Vec<_> = expected.difference(&after).collect();
        let missed: Vec<_> = after.difference(&expected).collect();
        assert!(
            unexpected.is_empty(),
            "{}: deleted rows that must stay: {unexpected:?}",
            case.name
        );
        assert!(missed.is_empty(), "{}: kept rows that must go: {missed:?}", case.name);
        assert_eq!(after, expected, "{}", case.name);

        assert_eq!(real["counts"], case.counts, "{}: the real run's counts", case.name);
        assert_eq!(
            dry["counts"], real["counts"],
            "{}: dry-run counts differ from the real run's",
            case.name
        );

        // One audit event per real run, with the counts, and it survives its own run.
        let events = s.events("expired_data_purge.").await;
        assert_eq!(events.len(), events_before + 1, "{}: {events:?}", case.name);
        let event = events.last().expect("the run's event");
        assert_eq!(event["name"], "expired_data_purge.deleted");
        let payload = &event["payload"];
        assert_eq!(payload["counts"], case.counts, "{}: {event}", case.name);
        assert_eq!(payload["run_id"], real["id"]);
        assert_eq!(payload["extension_id"], id.as_str());
        remove(&s, &id).await;
    }
}

async fn a_second_run_deletes_nothing_more(s: Server) {
    let tenant = tenant(&s);
    build_dataset(&s.state.store, &tenant, now_ms()).await;
    let id = add_purge(&s, all_on("")).await;
    let first = run_purge(&s, &id, false).await;
    assert_eq!(first["counts"]["threads"], 4, "{first}");
    let after_first = snapshot(s.pool()).await;
    let second = run_purge(&s, &id, false).await;
    assert_eq!(second["state"], "finished");
    for (kind, n) in second["counts"].as_object().expect("counts") {
        assert_eq!(n, 0, "second run deleted {kind}: {second}");
    }
    assert_eq!(snapshot(s.pool()).await, after_first);
    // The first run's audit event is younger than the retention: still there.
    assert_eq!(s.events("expired_data_purge.").await.len(), 2);
}

/// A message arriving in an idle thread keeps it: ingest moves its activity
/// forward, and the purge rechecks idleness in the deleting transaction.
async fn a_new_message_saves_an_idle_thread(s: Server) {
    let tenant = tenant(&s);
    build_dataset(&s.state.store, &tenant, now_ms()).await;
    let reply = s
        .post(
            "/api/v1/messages",
            &json!({ "channel_id": "ch-a", "thread_id": "h-t1",
                     "author": { "customer": { "identity_id": "h-i1" } }, "body": "still there?" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let id = add_purge(&s, all_on("")).await;
    let run = run_purge(&s, &id, false).await;
    assert_eq!(run["counts"]["threads"], 3, "{run}");
    let after = snapshot(s.pool()).await;
    for row in [
        "thread/h-t1",
        "message/h-t1-m1",
        "intervention_comment/h-k1",
        "identity/h-i1",
        "identity_group/h-g1",
    ] {
        let (table, rid) = row.split_once('/').expect("table/id");
        assert!(after.contains(&format!("{table}/{tenant}/{rid}")), "{row} was purged");
    }
}

async fn retention_zero_negative_or_missing_is_refused(s: Server) {
    let tenant = tenant(&s);
    build_dataset(&s.state.store, &tenant, now_ms()).await;
    let before = snapshot(s.pool()).await;
    let threads_on = |days: Value| json!({"purge_threads": true, "purge_events": true, "retention_days": days});
    for settings in [
        threads_on(json!(0)),
        threads_on(json!(-1)),
        threads_on(json!(null)),
        threads_on(json!(1.5)),
        json!({"purge_threads": true}),
    ] {
        let reply = s
            .post(
                "/api/v1/extensions",
                &json!({ "extension": "purge", "settings": settings }),
            )
            .await;
        let error = reply.assert_error(422, "invalid_settings");
        let fields = error["fields"].as_array().expect("field errors");
        assert!(
            fields.iter().any(|f| f["field"] == "retention_days"),
            "{settings}: {error}"
        );
    }
    assert!(s.extensions().await.is_empty());

    // An enabled purge cannot be edited to a zero retention either, and keeps its own.
    let id = add_purge(&s, threads_on(json!(30))).await;
    let reply = s
        .put(
            &format!("/api/v1/extensions/{id}"),
            &json!({ "settings": threads_on(json!(0)) }),
        )
        .await;
    reply.assert_error(422, "invalid_settings");
    let shown = s.get(&format!("/api/v1/extensions/{id}")).await.json();
    assert_eq!(shown["settings"]["retention_days"], 30);
    assert_eq!(snapshot(s.pool()).await, before, "refused settings deleted something");
}

async fn crash_mid_run_then_rerun_equals_a_clean_run(s: Server) {
    let tenant = tenant(&s);
    let now = now_ms() - 60_000;
    let seeded = exthost::seed::SeedOptions {
        tenant: tenant.clone(),
        threads: 2_400,
        messages_per_thread: 4,
        idle_share: 0.5,
        seed: 7,
        now,
    };

    // The clean run.
    let report = exthost::seed::seed(&s.state.store, &seeded).await.expect("seed");
    assert!(
        report.idle_threads > 1_000,
        "{report:?}: the run must take several batches"
    );
    build_dataset(&s.state.store, &tenant, now).await;
    let id = add_purge(&s, all_on("")).await;
    let clean = run_purge(&s, &id, false).await;
    assert_eq!(clean["state"], "finished", "{clean}");
    assert_eq!(clean["counts"]["threads"], report.idle_threads + 4, "{clean}");
    assert_eq!(clean["counts"]["messages"], report.idle_messages + 8, "{clean}");
    let clean_rows = snapshot(s.pool()).await;
    remove(&s, &id).await;

    // The same data, a fault in the second batch (after its messages are deleted).
    wipe(&s).await;
    exthost::seed::seed(&s.state.store, &seeded).await.expect("seed");
    build_dataset(&s.state.store, &tenant, now).await;
    let shapes_before = thread_shapes(s.pool()).await;
    let id = add_purge(&s, all_on("")).await;
    s.state.purge_faults.arm(1);
    let failed = run_purge(&s, &id, false).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().is_some_and(|e| e.contains("injected fault")),
        "{failed}"
    );
    let shapes = thread_shapes(s.pool()).await;
    let purged = shapes_before.len() - shapes.len();
    assert_eq!(
        purged, THREAD_BATCH,
        "exactly the first batch ({THREAD_BATCH} threads) is gone"
    );
    for (thread, shape) in &shapes {
        assert_eq!(
            Some(shape),
            shapes_before.get(thread),
            "thread {thread} was left part-deleted"
        );
    }
    let events = s.events("expired_data_purge.").await;
    assert_eq!(
        events.last().expect("the failed run's event")["payload"]["state"],
        "failed"
    );

    let rerun = run_purge(&s, &id, false).await;
    assert_eq!(rerun["state"], "finished", "{rerun}");
    assert_eq!(
        rerun["counts"]["threads"].as_u64().expect("a count") + THREAD_BATCH as u64,
        report.idle_threads + 4,
        "{rerun}"
    );
    assert_eq!(
        snapshot(s.pool()).await,
        clean_rows,
        "the rerun did not end where a clean run ends"
    );
}

async fn admin_api_refuses_what_it_cannot_run(s: Server) {
    let reply = s.post("/api/v1/extensions/nope/purge-runs", &json!({})).await;
    reply.assert_error(404, "not_found");
    let ip = s
        .post(
            "/api/v1/extensions",
            &json!({ "extension": "ip-filter", "settings": { "whitelisted_ips": "" } }),
        )
        .await;
    assert_eq!(ip.status, 201, "{ip:?}");
    let ip = ip.json()["id"].as_str().expect("id").to_string();
    let reply = s.post(&format!("/api/v1/extensions/{ip}/purge-runs"), &json!({})).await;
    reply.assert_error(422, "refused");
    let id = add_purge(&s, all_on("")).await;
    s.get(&format!("/api/v1/extensions/{id}/purge-runs/latest"))
        .await
        .assert_error(404, "not_found");
    let reply = s
        .post(
            &format!("/api/v1/extensions/{id}/purge-runs"),
            &json!({ "dry_run": "yes" }),
        )
        .await;
    assert_eq!(reply.status, 400, "{reply:?}");
    let anonymous = s
        .send(s.anonymous(
            exthost_tests::server::Method::POST,
            &format!("/api/v1/extensions/{id}/purge-runs"),
        ))
        .await;
    anonymous.assert_error(401, "unauthorized");
    let run = run_purge(&s, &id, true).await;
    let latest = s
        .get(&format!("/api/v1/extensions/{id}/purge-runs/latest"))
        .await
        .json();
    assert_eq!(latest["id"], run["id"]);
    assert_eq!(latest["dry_run"], true);
    // A dry run is not an audit event: it deleted nothing.
    assert!(s.events("expired_data_purge.").await.is_empty());

    let doc = s.get("/api/v1/openapi.json").await.json();
    for (path, method) in [
        ("/extensions/{id}/purge-runs", "post"),
        ("/extensions/{id}/purge-runs/latest", "get"),
        ("/extensions/{id}/purge-runs/{run}", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
    }
    for schema in ["StartPurgeRun", "PurgeRun"] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} is not documented"
        );
    }
}

fn every_second() -> Options {
    Options {
        purge_interval_secs: Some(1),
        ..Options::default()
    }
}

async fn the_scheduler_runs_purges(s: Server) {
    let tenant = tenant(&s);
    build_dataset(&s.state.store, &tenant, now_ms()).await;
    let id = add_purge(&s, all_on("")).await;
    let run = loop_until_run(&s, &id).await;
    assert_eq!(run["started_by"], "schedule");
    assert_eq!(run["dry_run"], false);
    let run = wait_for(&s, &id, run["id"].as_str().expect("id")).await;
    assert_eq!(run["state"], "finished", "{run}");
    assert!(!snapshot(s.pool()).await.contains(&format!("thread/{tenant}/h-t1")));
}

async fn loop_until_run(s: &Server, id: &str) -> Value {
    for _ in 0..200 {
        let reply = s.get(&format!("/api/v1/extensions/{id}/purge-runs/latest")).await;
        if reply.status == 200 {
            return reply.json();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no scheduled purge run within 10 s");
}

both_backends!(
    each_setting_deletes_exactly_its_rows,
    a_second_run_deletes_nothing_more,
    a_new_message_saves_an_idle_thread,
    retention_zero_negative_or_missing_is_refused,
    crash_mid_run_then_rerun_equals_a_clean_run,
    admin_api_refuses_what_it_cannot_run,
    the_scheduler_runs_purges with every_second,
);

/// Two nodes on one PostgreSQL: while one holds the purge lock, the other
/// neither ticks nor starts a run; once it is free, the other's scheduler runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_one_node_purges_at_a_time() {
    exthost_tests::server::run(
        exthost_tests::server::Db::Postgres,
        Options::default(),
        |a: Server| async move {
            let tenant = tenant(&a);
            build_dataset(&a.state.store, &tenant, now_ms()).await;
            let id = add_purge(&a, all_on("")).await;

            // Node A holds the lock, as during a long run.
            let lock = a
                .state
                .store
                .try_purge_lock(&tenant)
                .await
                .expect("lock query")
                .expect("the lock is free");
            let dir = tempfile::tempdir().expect("temp dir");
            let config = exthost::config::Config {
                listen: "127.0.0.1:0".parse().expect("address"),
                database_url: a.state.config.database_url.clone(),
                data_dir: dir.path().join("data"),
                admin_token: Some(TOKEN.into()),
                purge: exthost::config::PurgeConfig {
                    interval_secs: 1,
                    ..exthost::config::PurgeConfig::default()
                },
                ..exthost::config::Config::default()
            };
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let b = exthost::server::start(config, async move {
                let _ = stopped.await;
            })
            .await
            .expect("node B starts");
            let client = reqwest::Client::builder().no_proxy().build().expect("client");
            let post = client
                .post(format!("http://{}/api/v1/extensions/{id}/purge-runs", b.addr))
                .bearer_auth(TOKEN)
                .json(&json!({}))
                .send()
                .await
                .expect("request");
            assert_eq!(
                post.status().as_u16(),
                409,
                "node B started a run while A held the lock"
            );
            // Node A itself is refused too (the lock is per database, not per process).
            let reply = a.post(&format!("/api/v1/extensions/{id}/purge-runs"), &json!({})).await;
            reply.assert_error(409, "conflict");
            tokio::time::sleep(Duration::from_millis(2_500)).await;
            assert_eq!(a.count("purge_run").await, 0, "a tick ran while the lock was held");

            // Released: node B's scheduler runs the purge within a tick or two.
            lock.release().await;
            let run = loop_until_run(&a, &id).await;
            assert_eq!(
                run["started_by"],
                serde_json::to_value(StartedBy::Schedule).expect("json")
            );
            let run = wait_for(&a, &id, run["id"].as_str().expect("id")).await;
            assert_eq!(run["state"], "finished", "{run}");
            assert!(!snapshot(a.pool()).await.contains(&format!("thread/{tenant}/h-t1")));
            let _ = stop.send(());
            let b_store = b.state.store.clone();
            let _ = tokio::time::timeout(Duration::from_secs(10), b.wait()).await;
            b_store.close().await;
        },
    )
    .await;
}
