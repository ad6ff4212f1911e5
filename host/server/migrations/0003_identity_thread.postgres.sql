-- Which identities wrote in which thread: PostgreSQL's side of the SQLite
-- migration of the same number, which says why. Here the foreign key is
-- replaced in place.

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

ALTER TABLE message DROP CONSTRAINT message_tenant_author_identity_id_fkey;
ALTER TABLE message ADD CONSTRAINT message_author_link_fkey
    FOREIGN KEY (tenant, author_identity_id, thread_id)
    REFERENCES identity_thread (tenant, identity_id, thread_id);
DROP INDEX message_by_identity;
