//! SQLite's scripts: a write transaction of several statements sent to SQLite's
//! connection thread in one round trip. Every round trip of a transaction holds
//! the one writer connection while the caller's thread and SQLite's trade
//! wake-ups, and a write that arrives meanwhile waits for all of them; a script
//! holds the writer only for SQLite's own work. Posting a message is a
//! foreground script, and each purge batch a background one that gives way to
//! foreground writes (`give_way`).

use sqlx::{Any, Row};

use super::Store;
use super::error::{Result, StoreError};
use super::give_way::gave_way;
use super::sql::{Sql, count};

/// Whose turn on the writer a script takes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Turn {
    /// A request's write: it counts as foreground work until it has run (so a
    /// background script gives way), and commits within the script.
    Foreground,
    /// A purge batch. With `give_way` it is interrupted when a foreground write
    /// has waited `give_way::GRACE`; it commits in a statement of its own, or
    /// rolls back without `commit` (a fault injected before the commit).
    Background { give_way: bool, commit: bool },
}

/// Roll back whatever a failed script left open; a connection that cannot is
/// closed, never handed to the next writer in a transaction.
async fn end_transaction(conn: &mut sqlx::pool::PoolConnection<Any>) {
    use sqlx::Executor;
    if let Err(e) = conn.execute("ROLLBACK").await {
        // SQLite rolls back itself when a write is interrupted (the script gave
        // way) and after some errors; then nothing is open.
        let message = e.as_database_error().map(|e| e.message().to_owned());
        if !message.is_some_and(|m| m.contains("no transaction is active")) {
            tracing::warn!(error = %e, "rollback after a failed script failed; closing the connection");
            conn.close_on_drop();
        }
    }
}

impl Store {
    /// Run `script` as one write transaction (`BEGIN IMMEDIATE` is put before
    /// it) in a single round trip, and return the value of each `SELECT
    /// changes()` in it; `None` when a background script gave way (nothing of
    /// it stays). Any error rolls the transaction back.
    pub(super) async fn sqlite_script(&self, mut script: Sql, turn: Turn) -> Result<Option<Vec<u64>>> {
        use sqlx::Executor;
        script.text.insert_str(0, "BEGIN IMMEDIATE; ");
        if let Turn::Foreground = turn {
            script.text.push_str("; COMMIT");
        }
        let writer = self.writer.clone();
        // A task of its own, so the transaction always ends: a caller that stops
        // waiting would otherwise drop the statements halfway and leave the
        // writer connection inside an open transaction.
        let task = tokio::spawn(async move {
            // `_held` lasts to the end of the task: a background script's
            // COMMIT must not land inside the checkpointer's hold (`sqlite`).
            // `_foreground` too: a foreground script counts as waiting until it
            // has run, since on SQLite it may meet a background script's lock.
            let (mut conn, background, _held, _foreground) = match turn {
                Turn::Foreground => {
                    let (conn, foreground) = writer.foreground().await?;
                    (conn, None, None, Some(foreground))
                }
                Turn::Background { give_way, .. } => {
                    let turn = writer.background(give_way).await?;
                    (turn.conn, turn.gives_way, Some(turn.held), None)
                }
            };
            let rows = script.query().fetch_all(&mut *conn).await;
            // A background commit never gives way, so it is a statement of its
            // own: SQLite looks at the progress handler once more as a statement
            // ends, and would report a COMMIT that went through as interrupted.
            drop(background);
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    end_transaction(&mut conn).await;
                    let may_give_way = matches!(turn, Turn::Background { give_way: true, .. });
                    return if may_give_way && gave_way(&e) {
                        Ok(None)
                    } else {
                        Err(StoreError::from(e))
                    };
                }
            };
            match turn {
                // The script committed.
                Turn::Foreground => {}
                Turn::Background { commit: true, .. } => {
                    if let Err(e) = conn.execute("COMMIT").await {
                        end_transaction(&mut conn).await;
                        return Err(StoreError::from(e));
                    }
                }
                Turn::Background { commit: false, .. } => {
                    end_transaction(&mut conn).await;
                    return Ok(Some(Vec::new()));
                }
            }
            rows.iter()
                .map(|row| Ok(count(row.try_get::<i64, _>(0)?)))
                .collect::<Result<Vec<u64>>>()
                .map(Some)
        });
        task.await.map_err(|e| StoreError::Script(e.to_string()))?
    }
}
