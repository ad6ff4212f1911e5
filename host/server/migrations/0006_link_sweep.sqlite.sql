-- How far the identity purge has swept dead identity-thread links since the
-- last thread purge, on SQLite, whose thread batches leave their links behind
-- (see store/purge/identities.rs). A row says every dead link of identities
-- up to `through` is gone, or of every identity when `through` is NULL; a
-- thread batch deletes the row in its own transaction, and each sweep step
-- extends it in its own, so it is never ahead of the data. A run's closing
-- sweep is skipped when its orphan batches already covered every identity.
CREATE TABLE link_sweep (
    tenant   TEXT NOT NULL,
    through  TEXT,
    PRIMARY KEY (tenant)
) WITHOUT ROWID;
