//! `exthost seed`: fills a database with realistic platform data for demos and
//! benchmarks, the same rows for the same `seed` (own PRNG, times relative to
//! a given `now`, and time-ordered ids like the platform's own, with rows
//! written oldest first as they would have accrued). Communities with several channels,
//! identities shared by threads of one community, identity groups, threads of
//! customer messages and agent replies, interventions with comments, audit
//! events, stats and agent activities. A share of the threads (half by
//! default) had their last message long ago (31 to 400 days), the rest within
//! the last 10 days, so a 30-day purge has a known half to delete.

use crate::store::{Cell, Store, StoreError, id_at};
use serde::Serialize;

const DAY: i64 = 24 * 60 * 60 * 1000;
const MINUTE: i64 = 60 * 1000;
/// Between two messages of a thread.
const MESSAGE_GAP: i64 = 7 * MINUTE;
const COMMUNITIES: u64 = 2;
const CHANNELS_PER_COMMUNITY: u64 = 5;
const AGENTS: u64 = 20;
/// Threads generated and written per transaction.
const CHUNK: u64 = 1_000;

const WORDS: &[&str] = &[
    "hello", "order", "delivery", "refund", "thanks", "please", "account", "password", "late", "great", "help",
    "invoice", "question", "broken", "support", "today", "tomorrow", "price", "shipping", "return", "size", "colour",
    "love", "problem", "again", "waiting", "answer", "quick", "store", "card",
];

/// What to generate.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub tenant: String,
    pub threads: u64,
    pub messages_per_thread: u64,
    /// Share of threads idle for more than 30 days, in [0, 1].
    pub idle_share: f64,
    pub seed: u64,
    /// The clock the data is placed around (unix ms).
    pub now: i64,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SeedReport {
    pub channels: u64,
    pub identities: u64,
    pub identity_groups: u64,
    pub threads: u64,
    pub idle_threads: u64,
    pub messages: u64,
    pub idle_messages: u64,
    pub interventions: u64,
    pub comments: u64,
    pub events: u64,
    pub stats: u64,
    pub agent_activities: u64,
}

/// SplitMix64: small, fast, and the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / ((1u64 << 53) as f64)) < p
    }

    fn range(&mut self, from: i64, to: i64) -> i64 {
        from + i64::try_from(self.below(u64::try_from(to - from).unwrap_or(1))).unwrap_or(0)
    }

    /// A row id for time `at`, as `store::new_id` would give (see `store::id_at`).
    fn id_at(&mut self, at: i64) -> String {
        let mut random = [0u8; 10];
        random[..8].copy_from_slice(&self.next().to_le_bytes());
        random[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        id_at(at, random)
    }

    fn sentence(&mut self) -> String {
        let n = 3 + self.below(10);
        (0..n)
            .map(|_| WORDS[self.below(WORDS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn community_of_channel(channel: u64) -> u64 {
    channel / CHANNELS_PER_COMMUNITY
}

/// A thread's place in time, drawn before any thread is written so that
/// threads can be written in the order they began; `rng` goes on to draw the
/// rest of the thread.
struct ThreadPlan {
    n: u64,
    rng: Rng,
    channel: u64,
    idle: bool,
    first: i64,
    last: i64,
}

impl ThreadPlan {
    /// Thread `n` of `m` messages.
    fn draw(options: &SeedOptions, n: u64, m: u64, channel_count: u64) -> ThreadPlan {
        // Seeds far apart in SplitMix64's sequence, so no thread replays another's draws.
        let mut rng = Rng(options.seed ^ (n + 1).wrapping_mul(0xd1b5_4a32_d192_ed03));
        let channel = rng.below(channel_count);
        let idle = rng.chance(options.idle_share);
        let last = if idle {
            options.now - rng.range(31 * DAY, 400 * DAY)
        } else {
            options.now - rng.range(0, 10 * DAY)
        };
        let first = last - i64::try_from(m - 1).unwrap_or(0) * MESSAGE_GAP;
        ThreadPlan {
            n,
            rng,
            channel,
            idle,
            first,
            last,
        }
    }
}

/// Rows accumulated for one transaction.
#[derive(Default)]
struct Batch {
    threads: Vec<Vec<Cell>>,
    links: Vec<Vec<Cell>>,
    messages: Vec<Vec<Cell>>,
    interventions: Vec<Vec<Cell>>,
    comments: Vec<Vec<Cell>>,
}

impl Batch {
    async fn write(&mut self, store: &Store) -> Result<(), StoreError> {
        store
            .bulk_insert(
                "thread",
                &["tenant", "id", "channel_id", "created_at", "last_activity_at"],
                &self.threads,
            )
            .await?;
        store
            .bulk_insert("identity_thread", &["tenant", "identity_id", "thread_id"], &self.links)
            .await?;
        store
            .bulk_insert(
                "message",
                &[
                    "tenant",
                    "id",
                    "thread_id",
                    "channel_id",
                    "author_identity_id",
                    "author_user_id",
                    "body",
                    "created_at",
                    "seq",
                ],
                &self.messages,
            )
            .await?;
        store
            .bulk_insert(
                "intervention",
                &[
                    "tenant",
                    "id",
                    "thread_id",
                    "user_id",
                    "identity_id",
                    "opened_at",
                    "closed_at",
                ],
                &self.interventions,
            )
            .await?;
        store
            .bulk_insert(
                "intervention_comment",
                &["tenant", "id", "intervention_id", "user_id", "body", "created_at"],
                &self.comments,
            )
            .await?;
        *self = Batch::default();
        Ok(())
    }
}

/// Write the dataset. The database must not already hold a seed's rows.
pub async fn seed(store: &Store, options: &SeedOptions) -> Result<SeedReport, StoreError> {
    let t = options.tenant.as_str();
    let now = options.now;
    let mut rng = Rng(options.seed);
    let mut report = SeedReport::default();

    let communities: Vec<Vec<Cell>> = (0..COMMUNITIES)
        .map(|c| {
            vec![
                text(t),
                text(format!("c{c}")),
                text(format!("Community {c}")),
                Cell::Int(now - 500 * DAY),
            ]
        })
        .collect();
    store
        .bulk_insert("community", &["tenant", "id", "name", "created_at"], &communities)
        .await?;
    let channel_count = COMMUNITIES * CHANNELS_PER_COMMUNITY;
    let channels: Vec<Vec<Cell>> = (0..channel_count)
        .map(|ch| {
            let kind = ["chat", "email", "facebook", "twitter", "whatsapp"][(ch % 5) as usize];
            vec![
                text(t),
                text(format!("ch{ch}")),
                text(format!("c{}", community_of_channel(ch))),
                text(format!("{kind} {ch}")),
                text(kind),
                Cell::Int(now - 500 * DAY),
            ]
        })
        .collect();
    store
        .bulk_insert(
            "channel",
            &["tenant", "id", "community_id", "name", "kind", "created_at"],
            &channels,
        )
        .await?;
    report.channels = channel_count;
    let agents: Vec<Vec<Cell>> = (0..AGENTS)
        .map(|a| {
            vec![
                text(t),
                text(format!("agent{a}")),
                text(format!("agent{a}@seed.example")),
                text(format!("Agent {a}")),
                text("agent"),
                Cell::Int(now - 500 * DAY),
            ]
        })
        .collect();
    store
        .bulk_insert(
            "agent_user",
            &["tenant", "id", "email", "name", "role", "created_at"],
            &agents,
        )
        .await?;

    // Identities: per community, about 0.6 per thread, so customers come back
    // in several threads; one in three belongs to a group of about three.
    let per_community = (options.threads * 6 / 10 / COMMUNITIES).max(1);
    let mut groups = Vec::new();
    let mut identities = Vec::new();
    for c in 0..COMMUNITIES {
        for i in 0..per_community {
            let group = if i % 3 == 0 {
                let g = format!("g{c}-{}", i / 9);
                if i % 9 == 0 {
                    groups.push(vec![
                        text(t),
                        text(g.clone()),
                        text(format!("c{c}")),
                        Cell::Int(now - 450 * DAY),
                    ]);
                }
                text(g)
            } else {
                Cell::NullText
            };
            identities.push(vec![
                text(t),
                text(format!("i{c}-{i}")),
                text(format!("c{c}")),
                group,
                text(format!("customer {c}-{i}")),
                Cell::Int(now - 450 * DAY),
            ]);
        }
    }
    report.identity_groups = groups.len() as u64;
    report.identities = identities.len() as u64;
    store
        .bulk_insert(
            "identity_group",
            &["tenant", "id", "community_id", "created_at"],
            &groups,
        )
        .await?;
    for chunk in identities.chunks(20_000) {
        store
            .bulk_insert(
                "identity",
                &["tenant", "id", "community_id", "group_id", "screenname", "created_at"],
                chunk,
            )
            .await?;
    }

    // Threads are written in the order they began, and their rows carry
    // time-ordered ids, as a live platform's would (`store::new_id`). Each
    // thread draws from a generator of its own, so that order does not change
    // what a thread holds.
    let m = options.messages_per_thread.max(1);
    let mut plans: Vec<ThreadPlan> = (0..options.threads)
        .map(|n| ThreadPlan::draw(options, n, m, channel_count))
        .collect();
    plans.sort_by_key(|p| (p.first, p.n));
    let mut batch = Batch::default();
    for (written, plan) in plans.into_iter().enumerate() {
        let ThreadPlan {
            mut rng,
            channel,
            idle,
            first,
            last,
            ..
        } = plan;
        let community = community_of_channel(channel);
        let customer = format!("i{community}-{}", rng.below(per_community));
        // Now and then a second identity of the community joins the thread.
        let other = rng
            .chance(0.1)
            .then(|| format!("i{community}-{}", rng.below(per_community)));
        let agent = format!("agent{}", rng.below(AGENTS));
        let thread = rng.id_at(first);
        batch.threads.push(vec![
            text(t),
            text(thread.clone()),
            text(format!("ch{channel}")),
            Cell::Int(first),
            Cell::Int(last),
        ]);
        // Each identity that writes in the thread is linked to it once.
        let mut linked: Vec<&String> = Vec::with_capacity(2);
        for k in 0..m {
            let at = first + i64::try_from(k).unwrap_or(0) * MESSAGE_GAP;
            let author = match (k % 2, &other) {
                (0, Some(other)) if k % 4 == 2 => Some(other),
                (0, _) => Some(&customer),
                _ => None,
            };
            if let Some(author) = author.filter(|a| !linked.contains(a)) {
                linked.push(author);
                batch
                    .links
                    .push(vec![text(t), text(author.clone()), text(thread.clone())]);
            }
            let (identity, user) = match author {
                Some(author) => (text(author.clone()), Cell::NullText),
                None => (Cell::NullText, text(agent.clone())),
            };
            batch.messages.push(vec![
                text(t),
                text(rng.id_at(at)),
                text(thread.clone()),
                text(format!("ch{channel}")),
                identity,
                user,
                text(rng.sentence()),
                Cell::Int(at),
                Cell::Int(i64::try_from(k).unwrap_or(0) + 1),
            ]);
        }
        report.threads += 1;
        report.messages += m;
        if idle {
            report.idle_threads += 1;
            report.idle_messages += m;
        }
        if rng.chance(0.3) {
            let intervention = rng.id_at(first);
            batch.interventions.push(vec![
                text(t),
                text(intervention.clone()),
                text(thread.clone()),
                text(agent.clone()),
                text(customer.clone()),
                Cell::Int(first),
                Cell::Int(last),
            ]);
            report.interventions += 1;
            for _ in 0..rng.below(3) {
                batch.comments.push(vec![
                    text(t),
                    text(rng.id_at(last)),
                    text(intervention.clone()),
                    text(agent.clone()),
                    text(rng.sentence()),
                    Cell::Int(last),
                ]);
                report.comments += 1;
            }
        }
        if (written as u64 + 1).is_multiple_of(CHUNK) {
            batch.write(store).await?;
        }
    }
    batch.write(store).await?;

    // Time series: audit events, stats, agent activities, over the last 400
    // days, each written oldest first with time-ordered ids, as they accrue.
    let series = (options.threads / 10).max(1);
    let times = |rng: &mut Rng| {
        let mut at: Vec<i64> = (0..series).map(|_| now - rng.range(0, 400 * DAY)).collect();
        at.sort_unstable();
        at
    };
    let events: Vec<Vec<Cell>> = times(&mut rng)
        .into_iter()
        .map(|at| {
            vec![
                text(t),
                text(rng.id_at(at)),
                text("agent.login"),
                text(format!("agent{}", rng.below(AGENTS))),
                text("{}"),
                Cell::Int(at),
            ]
        })
        .collect();
    let stats: Vec<Vec<Cell>> = times(&mut rng)
        .into_iter()
        .map(|at| {
            vec![
                text(t),
                text(rng.id_at(at)),
                text(format!("ch{}", rng.below(channel_count))),
                text("first_response_seconds"),
                Cell::Real(rng.below(3600) as f64),
                Cell::Int(at),
            ]
        })
        .collect();
    let activities: Vec<Vec<Cell>> = times(&mut rng)
        .into_iter()
        .map(|at| {
            vec![
                text(t),
                text(rng.id_at(at)),
                text(format!("agent{}", rng.below(AGENTS))),
                text(["login", "away", "reply", "logout"][rng.below(4) as usize]),
                Cell::Int(at),
            ]
        })
        .collect();
    for chunk in events.chunks(20_000) {
        store
            .bulk_insert(
                "event",
                &["tenant", "id", "name", "actor", "payload", "created_at"],
                chunk,
            )
            .await?;
    }
    for chunk in stats.chunks(20_000) {
        store
            .bulk_insert("stat", &["tenant", "id", "channel_id", "name", "value", "at"], chunk)
            .await?;
    }
    for chunk in activities.chunks(20_000) {
        store
            .bulk_insert("agent_activity", &["tenant", "id", "user_id", "kind", "at"], chunk)
            .await?;
    }
    report.events = series;
    report.stats = series;
    report.agent_activities = series;
    store.refresh_statistics().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng(7), Rng(7));
        for _ in 0..100 {
            assert_eq!(a.next(), b.next());
        }
        assert_ne!(Rng(7).next(), Rng(8).next());
    }

    #[test]
    fn chance_is_about_right() {
        let mut rng = Rng(1);
        let hits = (0..10_000).filter(|_| rng.chance(0.5)).count();
        assert!((4_700..5_300).contains(&hits), "{hits}");
    }
}
