-- Which identities wrote in which thread: PostgreSQL's side of the SQLite
-- migration of the same number, which says why the purge reads links. Here
-- the message keeps its foreign key to the identity, and `message_by_identity`
-- with it: PostgreSQL leaves a deleted row's index entries for vacuum, so a
-- thread purge costs that index nothing, while a foreign key from `message`
-- to the links would run a check for every link the identity purge sweeps
-- (29 µs each, measured; BENCHMARKS.md, tenth session). For the same reason a
-- thread batch deletes its links at once here, found by thread.

CREATE TABLE identity_thread (
    tenant       TEXT NOT NULL,
    identity_id  TEXT NOT NULL,
    thread_id    TEXT NOT NULL,
    PRIMARY KEY (tenant, identity_id, thread_id),
    FOREIGN KEY (tenant, identity_id) REFERENCES identity (tenant, id)
);
INSERT INTO identity_thread (tenant, identity_id, thread_id)
    SELECT DISTINCT tenant, author_identity_id, thread_id FROM message
    WHERE author_identity_id IS NOT NULL;
CREATE INDEX identity_thread_by_thread ON identity_thread (tenant, thread_id);
