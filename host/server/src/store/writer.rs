//! The pools every write goes through, and the bookkeeping that lets a
//! background batch give way. On SQLite foreground writes have one connection
//! and background scripts another (`sqlite`); on PostgreSQL both are the one
//! pool. Each write made through `&Writer`, its `begin` or `foreground` counts
//! as foreground work until it has run, and only `background` hands out a
//! connection without counting (see `give_way`). Background scripts can also be
//! held off for a moment, which SQLite's checkpointer needs to start the WAL
//! over during a long purge.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::future::BoxFuture;
use futures_core::stream::{BoxStream, Stream};
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Either, Execute, Executor, SqlStr, Transaction};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use super::give_way::{Background, Foreground, GiveWay};
use super::low_priority::Lowering;

#[derive(Debug, Clone)]
pub(super) struct Writer {
    pool: AnyPool,
    /// Background scripts' connections: at the lowest CPU priority, and at
    /// normal priority for when that starved (`low_priority`), with what
    /// decides between them. `None` on PostgreSQL and in memory, where
    /// background scripts run on `pool` and nothing is lowered.
    background: Option<(BackgroundPools, Arc<Lowering>)>,
    give_way: Arc<GiveWay>,
    /// SQLite: a transaction takes the write lock as it begins, while it is
    /// counted as waiting (see `begin`).
    begin_immediate: bool,
    /// Every background script holds a share while it runs; `hold_background`
    /// takes all of it.
    hold: Arc<RwLock<()>>,
}

/// Where background work runs: at the lowest CPU priority, or at normal
/// priority while that starves (`low_priority`).
#[derive(Debug, Clone)]
pub(super) struct BackgroundPools {
    pub lowered: AnyPool,
    pub normal: AnyPool,
}

impl BackgroundPools {
    /// Both are `pool`.
    pub fn same(pool: &AnyPool) -> BackgroundPools {
        BackgroundPools {
            lowered: pool.clone(),
            normal: pool.clone(),
        }
    }

    /// The pool for background work now, by `Writer::lowered`.
    pub fn pick(&self, lowered: bool) -> &AnyPool {
        if lowered { &self.lowered } else { &self.normal }
    }
}

/// A background script's share of `Writer::hold`, kept until it has committed.
pub(super) type Held = OwnedRwLockReadGuard<()>;

/// What a background script runs with, all kept until it has committed.
pub(super) struct BackgroundTurn {
    pub conn: PoolConnection<Any>,
    /// While it lives, the script gives way to foreground writes.
    pub gives_way: Option<Background>,
    pub held: Held,
}

impl Writer {
    pub fn new(
        pool: AnyPool,
        background_pools: Option<BackgroundPools>,
        give_way: Arc<GiveWay>,
        begin_immediate: bool,
    ) -> Writer {
        Writer {
            pool,
            background: background_pools.map(|pools| (pools, Arc::default())),
            give_way,
            begin_immediate,
            hold: Arc::default(),
        }
    }

    /// A foreground transaction. On SQLite it begins `IMMEDIATE`: a deferred
    /// one would take the write lock only at its first write, uncounted, and
    /// fail outright (`SQLITE_BUSY_SNAPSHOT`) if the background writer had
    /// committed since its first read.
    pub async fn begin(&self) -> sqlx::Result<Transaction<'static, Any>> {
        let _waiting = self.give_way.foreground();
        if self.begin_immediate {
            self.pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            self.pool.begin().await
        }
    }

    /// The connection for a foreground script, and the count of it as
    /// foreground work, to keep until the script has run: on SQLite it may
    /// still wait for the background writer to give way.
    pub async fn foreground(&self) -> sqlx::Result<(PoolConnection<Any>, Foreground)> {
        let waiting = self.give_way.foreground();
        Ok((self.pool.acquire().await?, waiting))
    }

    /// The connection for a script that gives way to any foreground write
    /// while the returned `gives_way` lives (`give_way` false: one that does
    /// not). It waits while background scripts are held off, and holds the
    /// next hold off until `held` drops.
    pub async fn background(&self, give_way: bool) -> sqlx::Result<BackgroundTurn> {
        let held = self.hold_share().await;
        let pool = match &self.background {
            Some((pools, _)) => pools.pick(self.lowered()),
            None => &self.pool,
        };
        let conn = pool.acquire().await?;
        Ok(BackgroundTurn {
            conn,
            gives_way: give_way.then(|| self.give_way.background()),
            held,
        })
    }

    /// A share of the hold for a write that is no script but comes back to
    /// back like a purge's batches (the seed's bulk loads), so that it waits
    /// while background scripts are held off, as they do.
    pub async fn hold_share(&self) -> Held {
        self.hold.clone().read_owned().await
    }

    /// Keep background scripts off the writer until the guard drops, once the
    /// ones running have ended. Foreground writes still go.
    pub async fn hold_background(&self) -> OwnedRwLockWriteGuard<()> {
        self.hold.clone().write_owned().await
    }

    /// Count a request as foreground work until the guard drops: background
    /// scripts give way to it and background work stands aside for it.
    pub fn serving(&self) -> Foreground {
        self.give_way.foreground()
    }

    /// Wait, for a moment at most, until no foreground work is in progress.
    pub async fn stand_aside(&self) {
        self.give_way.stand_aside().await;
    }

    /// Whether background work runs at the lowest CPU priority now (never
    /// where nothing is lowered).
    pub fn lowered(&self) -> bool {
        self.background.as_ref().is_some_and(|(_, lowering)| lowering.lowered())
    }

    /// A step of background work took `took` (see `low_priority::Lowering`);
    /// where nothing is lowered, nothing can starve.
    pub fn note_background_step(&self, took: std::time::Duration) {
        if let Some((_, lowering)) = &self.background {
            lowering.note_step(took);
        }
    }

    /// Count a background script that gave way; returns how many have.
    pub fn note_gave_way(&self) -> u64 {
        self.give_way.note_gave_way()
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some((pools, _)) = &self.background {
            pools.lowered.close().await;
            pools.normal.close().await;
        }
    }
}

/// A stream that counts as a foreground write until it is dropped.
struct Counted<S> {
    inner: S,
    _waiting: Foreground,
}

impl<S: Stream + Unpin> Stream for Counted<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

impl<'p> Executor<'p> for &'p Writer {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, sqlx::Result<Either<AnyQueryResult, AnyRow>>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        Box::pin(Counted {
            _waiting: self.give_way.foreground(),
            inner: (&self.pool).fetch_many(query),
        })
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, sqlx::Result<Option<AnyRow>>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let waiting = self.give_way.foreground();
        let fetch = (&self.pool).fetch_optional(query);
        Box::pin(async move {
            let _waiting = waiting;
            fetch.await
        })
    }

    fn prepare_with<'e>(self, sql: SqlStr, parameters: &'e [AnyTypeInfo]) -> BoxFuture<'e, sqlx::Result<AnyStatement>>
    where
        'p: 'e,
    {
        (&self.pool).prepare_with(sql, parameters)
    }
}
