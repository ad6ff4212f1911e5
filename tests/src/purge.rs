//! Helpers for the data purging tests and benchmark: a hand-built dataset in
//! which every row's fate under each setting is known, a snapshot of every
//! purgeable row (by table, tenant and id) read straight from the database,
//! and the admin's steps (add the purge extension, run it, wait for the run).

use crate::api::Api;
use crate::server::Server;
use exthost::store::{
    AgentActivity, Author, Channel, Community, Event, Identity, IdentityGroup, Intervention, InterventionComment,
    Moderation, NewMessage, Role, Stat, Store, User,
};
use serde_json::{Value, json};
use sqlx::AnyPool;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub const DAY: i64 = 24 * 60 * 60 * 1000;

/// A tenant the server does not serve: nothing of it may ever be purged.
pub const OTHER_TENANT: &str = "other-tenant";

/// The tables a purge deletes from, child tables first (the order to wipe them in).
pub const TABLES: [&str; 10] = [
    "intervention_comment",
    "intervention",
    "message",
    "identity_thread",
    "thread",
    "stat",
    "identity",
    "identity_group",
    "agent_activity",
    "event",
];

fn community(id: &str, now: i64) -> Community {
    Community {
        id: id.into(),
        name: id.into(),
        created_at: now - 400 * DAY,
    }
}

fn channel(id: &str, community: &str, now: i64) -> Channel {
    Channel {
        id: id.into(),
        community_id: community.into(),
        name: id.into(),
        kind: "chat".into(),
        created_at: now - 400 * DAY,
    }
}

fn identity(id: &str, community: &str, group: Option<&str>, created_at: i64) -> Identity {
    Identity {
        id: id.into(),
        community_id: community.into(),
        group_id: group.map(Into::into),
        screenname: id.into(),
        created_at,
    }
}

async fn message(store: &Store, tenant: &str, id: &str, thread: &str, channel: &str, author: Author, at: i64) {
    let new = NewMessage {
        id: id.into(),
        channel_id: channel.into(),
        thread_id: Some(thread.into()),
        author,
        body: format!("body of {id}"),
        created_at: at,
        moderation: Moderation::None,
        annotations: json!({}),
    };
    store.post_message(tenant, &new).await.expect("message");
}

fn customer(id: &str) -> Author {
    Author::Customer(id.into())
}

/// The agent of the hand-built dataset.
pub const AGENT: &str = "h-u1";

/// Create the dataset's agent in both tenants.
async fn create_agents(store: &Store, tenant: &str, now: i64) {
    for t in [tenant, OTHER_TENANT] {
        let user = User {
            id: AGENT.into(),
            email: format!("{AGENT}@test.example"),
            name: "Agent".into(),
            password_hash: None,
            external_id: None,
            jwt_external_id: None,
            role: Role::Agent,
            created_at: now - 400 * DAY,
        };
        store.insert_user(t, &user).await.expect("agent");
    }
}

/// The hand-built dataset, around `now`, retention 30 days in mind:
///
/// | row | on | why it matters |
/// |---|---|---|
/// | h-t1: h-i1 at -40d, agent at -39d; h-v1 with comment h-k1 at -1d | ch-a | idle: goes whole, the recent comment is no activity |
/// | h-t2: h-i2 at -40d, agent -39d, h-i2 again at -5d | ch-a | one recent message among old: kept |
/// | h-t3: h-i3 -50d, h-i4 -49d, agent -48d; h-v3 with h-k3 | ch-b | idle |
/// | h-t4: h-i5 at -60d | ch-z (community h-c2) | idle, only with all channels |
/// | h-t5: h-i6, h-i7 at -45d | ch-a | idle |
/// | h-t6: h-i6 at -3d; h-v6 for h-i8 | ch-b | recent: kept, and keeps h-i6 (shared with h-t5) and h-i8 |
///
/// Groups: h-g1 = {h-i1} (goes with its last identity), h-g2 = {h-i3, h-i4},
/// h-g3 = {h-i5} (community h-c2), h-g4 = {h-i6, h-i7} (kept: h-i6 stays).
/// h-i9 is younger than the retention, h-i10 old and never linked to a message.
/// Events, stats (ch-a, ch-z) and agent activities at -40d (old) and -5d (recent).
/// The other tenant holds only old rows, all of which must survive.
pub async fn build_dataset(store: &Store, tenant: &str, now: i64) {
    let t = tenant;
    let old = now - 100 * DAY;
    create_agents(store, t, now).await;
    for (c, chans) in [("h-c1", &["ch-a", "ch-b"][..]), ("h-c2", &["ch-z"][..])] {
        store.insert_community(t, &community(c, now)).await.expect("community");
        for ch in chans {
            store.insert_channel(t, &channel(ch, c, now)).await.expect("channel");
        }
    }
    for (g, c) in [("h-g1", "h-c1"), ("h-g2", "h-c1"), ("h-g3", "h-c2"), ("h-g4", "h-c1")] {
        let group = IdentityGroup {
            id: g.into(),
            community_id: c.into(),
            created_at: old,
        };
        store.insert_identity_group(t, &group).await.expect("group");
    }
    for (i, c, g, at) in [
        ("h-i1", "h-c1", Some("h-g1"), old),
        ("h-i2", "h-c1", None, old),
        ("h-i3", "h-c1", Some("h-g2"), old),
        ("h-i4", "h-c1", Some("h-g2"), old),
        ("h-i5", "h-c2", Some("h-g3"), old),
        ("h-i6", "h-c1", Some("h-g4"), old),
        ("h-i7", "h-c1", Some("h-g4"), old),
        ("h-i8", "h-c1", None, old),
        ("h-i9", "h-c1", None, now - 2 * DAY),
        ("h-i10", "h-c1", None, old),
    ] {
        store
            .insert_identity(t, &identity(i, c, g, at))
            .await
            .expect("identity");
    }
    let agent = || Author::Agent(AGENT.into());
    message(store, t, "h-t1-m1", "h-t1", "ch-a", customer("h-i1"), now - 40 * DAY).await;
    message(store, t, "h-t1-m2", "h-t1", "ch-a", agent(), now - 39 * DAY).await;
    message(store, t, "h-t2-m1", "h-t2", "ch-a", customer("h-i2"), now - 40 * DAY).await;
    message(store, t, "h-t2-m2", "h-t2", "ch-a", agent(), now - 39 * DAY).await;
    message(store, t, "h-t2-m3", "h-t2", "ch-a", customer("h-i2"), now - 5 * DAY).await;
    message(store, t, "h-t3-m1", "h-t3", "ch-b", customer("h-i3"), now - 50 * DAY).await;
    message(store, t, "h-t3-m2", "h-t3", "ch-b", customer("h-i4"), now - 49 * DAY).await;
    message(store, t, "h-t3-m3", "h-t3", "ch-b", agent(), now - 48 * DAY).await;
    message(store, t, "h-t4-m1", "h-t4", "ch-z", customer("h-i5"), now - 60 * DAY).await;
    message(store, t, "h-t5-m1", "h-t5", "ch-a", customer("h-i6"), now - 45 * DAY).await;
    message(store, t, "h-t5-m2", "h-t5", "ch-a", customer("h-i7"), now - 45 * DAY).await;
    message(store, t, "h-t6-m1", "h-t6", "ch-b", customer("h-i6"), now - 3 * DAY).await;
    for (v, thread, who, opened, comment) in [
        ("h-v1", "h-t1", "h-i1", now - 40 * DAY, Some(("h-k1", now - DAY))),
        ("h-v3", "h-t3", "h-i3", now - 50 * DAY, Some(("h-k3", now - 48 * DAY))),
        ("h-v6", "h-t6", "h-i8", now - 3 * DAY, None),
    ] {
        let it = Intervention {
            id: v.into(),
            thread_id: thread.into(),
            user_id: Some(AGENT.into()),
            identity_id: who.into(),
            opened_at: opened,
            closed_at: Some(opened + DAY / 2),
        };
        store.insert_intervention(t, &it).await.expect("intervention");
        if let Some((k, at)) = comment {
            let c = InterventionComment {
                id: k.into(),
                intervention_id: v.into(),
                user_id: AGENT.into(),
                body: "note".into(),
                created_at: at,
            };
            store.insert_intervention_comment(t, &c).await.expect("comment");
        }
    }
    for (e, at) in [("h-ev-old", now - 40 * DAY), ("h-ev-new", now - 5 * DAY)] {
        let event = Event {
            id: e.into(),
            name: "agent.login".into(),
            actor: None,
            payload: json!({}),
            created_at: at,
        };
        store.insert_event(t, &event).await.expect("event");
    }
    for (s, ch, at) in [
        ("h-st-a-old", "ch-a", now - 40 * DAY),
        ("h-st-z-old", "ch-z", now - 40 * DAY),
        ("h-st-a-new", "ch-a", now - 5 * DAY),
    ] {
        let stat = Stat {
            id: s.into(),
            channel_id: ch.into(),
            name: "first_response_seconds".into(),
            value: 42.0,
            at,
        };
        store.insert_stat(t, &stat).await.expect("stat");
    }
    for (a, at) in [("h-aa-old", now - 40 * DAY), ("h-aa-new", now - 5 * DAY)] {
        let activity = AgentActivity {
            id: a.into(),
            user_id: AGENT.into(),
            kind: "login".into(),
            at,
        };
        store.insert_agent_activity(t, &activity).await.expect("activity");
    }

    // The other tenant: everything old, nothing of it ever goes.
    let o = OTHER_TENANT;
    let ancient = now - 300 * DAY;
    store
        .insert_community(o, &community("h-c1", now))
        .await
        .expect("community");
    store
        .insert_channel(o, &channel("ch-a", "h-c1", now))
        .await
        .expect("channel");
    store
        .insert_identity(o, &identity("h-i1", "h-c1", None, ancient))
        .await
        .expect("identity");
    store
        .insert_identity(o, &identity("h-i-lonely", "h-c1", None, ancient))
        .await
        .expect("identity");
    message(store, o, "h-t1-m1", "h-t1", "ch-a", customer("h-i1"), ancient).await;
    let event = Event {
        id: "h-ev-old".into(),
        name: "agent.login".into(),
        actor: None,
        payload: json!({}),
        created_at: ancient,
    };
    store.insert_event(o, &event).await.expect("event");
    let stat = Stat {
        id: "h-st-a-old".into(),
        channel_id: "ch-a".into(),
        name: "first_response_seconds".into(),
        value: 1.0,
        at: ancient,
    };
    store.insert_stat(o, &stat).await.expect("stat");
    let activity = AgentActivity {
        id: "h-aa-old".into(),
        user_id: AGENT.into(),
        kind: "login".into(),
        at: ancient,
    };
    store.insert_agent_activity(o, &activity).await.expect("activity");
}

/// Every purgeable row as `table/tenant/id`. Audit events the platform writes
/// itself (extension changes, purge reports) are left out: they are not data
/// a purge is judged by.
pub async fn snapshot(db: &AnyPool) -> BTreeSet<String> {
    let mut rows = BTreeSet::new();
    for table in TABLES {
        let filter = if table == "event" {
            " WHERE substr(name, 1, 10) <> 'extension.' AND name <> 'expired_data_purge.deleted'"
        } else {
            ""
        };
        // A link's key is its identity and thread.
        let id = if table == "identity_thread" {
            "identity_id || '/' || thread_id"
        } else {
            "id"
        };
        let sql = format!("SELECT tenant, {id} FROM {table}{filter}");
        let found: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(db)
            .await
            .unwrap_or_else(|e| panic!("read {table}: {e}"));
        rows.extend(found.into_iter().map(|(tenant, id)| format!("{table}/{tenant}/{id}")));
    }
    rows
}

/// Messages and interventions per thread, to show no thread was left part-deleted.
pub async fn thread_shapes(db: &AnyPool) -> BTreeMap<String, (i64, i64)> {
    let sql = "SELECT t.tenant, t.id, \
               (SELECT COUNT(*) FROM message m WHERE m.tenant = t.tenant AND m.thread_id = t.id), \
               (SELECT COUNT(*) FROM intervention v WHERE v.tenant = t.tenant AND v.thread_id = t.id) \
               FROM thread t";
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(sql).fetch_all(db).await.expect("threads");
    rows.into_iter()
        .map(|(tenant, id, m, v)| (format!("{tenant}/{id}"), (m, v)))
        .collect()
}

/// Delete every row of the purge's tables, channels, communities and the
/// datasets' agents (the seed's and the hand-built one's) included.
pub async fn wipe(s: &Server) {
    for table in TABLES
        .iter()
        .chain(&["channel", "community", "purge_run", "agent_user"])
    {
        let filter = if *table == "agent_user" {
            " WHERE email LIKE '%@seed.example' OR email LIKE '%@test.example'"
        } else {
            ""
        };
        let sql = format!("DELETE FROM {table}{filter}");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(s.pool())
            .await
            .unwrap_or_else(|e| panic!("wipe {table}: {e}"));
    }
}

/// Every kind on, retention 30 days, on `channels` (blank: all).
pub fn all_on(channels: &str) -> Value {
    json!({
        "purge_threads": true, "purge_events": true, "purge_identities": true, "purge_stats": true,
        "purge_agent_activities": true, "retention_days": 30, "channels": channels
    })
}

/// Add the purge extension with `settings`; returns its id.
pub async fn add_purge(s: &Api, settings: Value) -> String {
    let reply = s
        .post(
            "/api/v1/extensions",
            &json!({ "extension": "purge", "settings": settings }),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.json()["id"].as_str().expect("an id").to_string()
}

pub async fn remove(s: &Api, id: &str) {
    let reply = s.delete(&format!("/api/v1/extensions/{id}")).await;
    assert_eq!(reply.status, 204, "{reply:?}");
}

/// Start a run through the admin API and wait for its end; returns the run.
pub async fn run_purge(s: &Api, id: &str, dry_run: bool) -> Value {
    let reply = s
        .post(
            &format!("/api/v1/extensions/{id}/purge-runs"),
            &json!({ "dry_run": dry_run }),
        )
        .await;
    assert_eq!(reply.status, 202, "{reply:?}");
    let started = reply.json();
    assert_eq!(started["state"], "running", "{started}");
    assert_eq!(started["dry_run"], dry_run, "{started}");
    wait_for(s, id, started["id"].as_str().expect("run id")).await
}

/// Poll a run until it is no longer running.
pub async fn wait_for(s: &Api, id: &str, run: &str) -> Value {
    for _ in 0..6000 {
        let reply = s.get(&format!("/api/v1/extensions/{id}/purge-runs/{run}")).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let run = reply.json();
        if run["state"] != "running" {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("purge run {run} did not end in 5 minutes");
}
