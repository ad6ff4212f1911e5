//! The pool every write goes through (on SQLite one connection, see `sqlite`),
//! and the bookkeeping that lets a background batch give way: each write made
//! through `&Writer` or its `begin` counts as a foreground write waiting until
//! it has run, and only `background` hands out the connection without counting
//! (see `give_way`). Background scripts can also be held off for a moment, which
//! SQLite's checkpointer needs to start the WAL over during a long purge.

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

#[derive(Debug, Clone)]
pub(super) struct Writer {
    pool: AnyPool,
    give_way: Arc<GiveWay>,
    /// Every background script holds a share while it runs; `hold_background`
    /// takes all of it.
    hold: Arc<RwLock<()>>,
}

/// A background script's share of `Writer::hold`, kept until it has committed.
pub(super) type Held = OwnedRwLockReadGuard<()>;

impl Writer {
    pub fn new(pool: AnyPool, give_way: Arc<GiveWay>) -> Writer {
        Writer {
            pool,
            give_way,
            hold: Arc::default(),
        }
    }

    pub async fn begin(&self) -> sqlx::Result<Transaction<'static, Any>> {
        let _waiting = self.give_way.foreground();
        self.pool.begin().await
    }

    /// The connection for a foreground script, counted as a waiting write
    /// until it is handed out.
    pub async fn foreground(&self) -> sqlx::Result<PoolConnection<Any>> {
        let _waiting = self.give_way.foreground();
        self.pool.acquire().await
    }

    /// The connection for a script that gives way to any foreground write
    /// while the returned `Background` lives (`give_way` false: one that does
    /// not). It waits while background scripts are held off, and holds the
    /// next hold off until `Held` drops.
    pub async fn background(&self, give_way: bool) -> sqlx::Result<(PoolConnection<Any>, Option<Background>, Held)> {
        let held = self.hold_share().await;
        let conn = self.pool.acquire().await?;
        Ok((conn, give_way.then(|| self.give_way.background()), held))
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

    /// Count a background script that gave way; returns how many have.
    pub fn note_gave_way(&self) -> u64 {
        self.give_way.note_gave_way()
    }

    pub async fn close(&self) {
        self.pool.close().await;
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
