-- Which identities wrote in which thread, so that no index keyed by identity has to
-- change when a thread is purged. `message_by_identity` did: a 50-thread batch
-- removed its entries from ~50 leaf pages scattered over the index, each a whole
-- page written to the WAL and again by the checkpoint, and that was about 40% of
-- a thread batch's CPU (BENCHMARKS.md, tenth session). A link row instead outlives its
-- thread until the identity purge sweeps it in identity order; a link counts only
-- while its thread exists.
--
-- A message's author is checked against its link, and the link against the
-- identity, so no identity can go while a message still names it. The links are
-- a table without rowid, one b-tree in key order: the sweep deletes them by
-- identity, and rows in a rowid table would lie in the order threads began,
-- so a sweep of 500 links dirtied pages all over it. SQLite cannot
-- change a table's foreign keys, so `message` is rebuilt with the new one.

CREATE TABLE identity_thread (
    tenant       TEXT NOT NULL,
    identity_id  TEXT NOT NULL,
    thread_id    TEXT NOT NULL,
    PRIMARY KEY (tenant, identity_id, thread_id),
    FOREIGN KEY (tenant, identity_id) REFERENCES identity (tenant, id)
) WITHOUT ROWID;
INSERT INTO identity_thread (tenant, identity_id, thread_id)
    SELECT DISTINCT tenant, author_identity_id, thread_id FROM message
    WHERE author_identity_id IS NOT NULL;

CREATE TABLE message_rebuilt (
    tenant              TEXT   NOT NULL,
    id                  TEXT   NOT NULL,
    thread_id           TEXT   NOT NULL,
    channel_id          TEXT   NOT NULL,
    author_identity_id  TEXT,
    author_user_id      TEXT,
    body                TEXT   NOT NULL,
    created_at          BIGINT NOT NULL,
    seq                 BIGINT NOT NULL,
    moderation          TEXT   NOT NULL DEFAULT 'none'
                        CHECK (moderation IN ('none', 'pending', 'approved', 'rejected')),
    annotations         TEXT   NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, thread_id) REFERENCES thread (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, channel_id) REFERENCES channel (tenant, id),
    FOREIGN KEY (tenant, author_identity_id, thread_id)
        REFERENCES identity_thread (tenant, identity_id, thread_id),
    FOREIGN KEY (tenant, author_user_id) REFERENCES agent_user (tenant, id),
    CHECK ((author_identity_id IS NULL AND author_user_id IS NOT NULL)
        OR (author_identity_id IS NOT NULL AND author_user_id IS NULL))
);
INSERT INTO message_rebuilt (tenant, id, thread_id, channel_id, author_identity_id,
        author_user_id, body, created_at, seq, moderation, annotations)
    SELECT tenant, id, thread_id, channel_id, author_identity_id,
        author_user_id, body, created_at, seq, moderation, annotations FROM message;
DROP TABLE message;
ALTER TABLE message_rebuilt RENAME TO message;
CREATE INDEX message_by_thread ON message (tenant, thread_id, created_at);
CREATE INDEX message_by_channel ON message (tenant, channel_id, created_at);
