-- The whole schema of the platform, written once for both SQLite and PostgreSQL.
--
-- Portability rules kept here:
--   * ids are TEXT, timestamps are BIGINT unix milliseconds, JSON is TEXT;
--   * flags are BIGINT 0/1 with a CHECK: a BOOLEAN column reads back as a bool on
--     PostgreSQL but as a type the SQLite side of sqlx's Any driver rejects;
--   * bytes are BYTEA: PostgreSQL's name for them, and a name SQLite accepts and stores
--     blobs under unchanged (NUMERIC affinity converts text only, never blobs);
--   * every row carries `tenant` (the platform's subdomain) as the first column of its
--     key, and references point at (tenant, id), so no row can reach another tenant's.

CREATE TABLE community (
    tenant      TEXT   NOT NULL,
    id          TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);

-- A channel is Engage's "source": one inbox (a chat widget, an email address, a page).
CREATE TABLE channel (
    tenant        TEXT   NOT NULL,
    id            TEXT   NOT NULL,
    community_id  TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    kind          TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, community_id) REFERENCES community (tenant, id)
);

CREATE TABLE identity_group (
    tenant        TEXT   NOT NULL,
    id            TEXT   NOT NULL,
    community_id  TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, community_id) REFERENCES community (tenant, id)
);

-- Identities belong to a community, not a channel: that is what lets the survey's
-- grace period span every channel of one community.
CREATE TABLE identity (
    tenant        TEXT   NOT NULL,
    id            TEXT   NOT NULL,
    community_id  TEXT   NOT NULL,
    group_id      TEXT,
    screenname    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, community_id) REFERENCES community (tenant, id),
    FOREIGN KEY (tenant, group_id) REFERENCES identity_group (tenant, id)
);
CREATE INDEX identity_by_group ON identity (tenant, group_id);

CREATE TABLE agent_user (
    tenant           TEXT   NOT NULL,
    id               TEXT   NOT NULL,
    email            TEXT   NOT NULL,
    name             TEXT   NOT NULL,
    password_hash    TEXT,
    external_id      TEXT,
    jwt_external_id  TEXT,
    role             TEXT   NOT NULL CHECK (role IN ('admin', 'agent')),
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, email),
    UNIQUE (tenant, external_id),
    UNIQUE (tenant, jwt_external_id)
);

-- Only a hash of the session token is stored, so a leaked database logs nobody in.
CREATE TABLE session (
    tenant      TEXT   NOT NULL,
    token_hash  TEXT   NOT NULL,
    user_id     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, token_hash),
    FOREIGN KEY (tenant, user_id) REFERENCES agent_user (tenant, id) ON DELETE CASCADE
);

CREATE TABLE thread (
    tenant            TEXT   NOT NULL,
    id                TEXT   NOT NULL,
    channel_id        TEXT   NOT NULL,
    created_at        BIGINT NOT NULL,
    last_activity_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, channel_id) REFERENCES channel (tenant, id)
);
-- The purge walks idle threads per channel.
CREATE INDEX thread_by_activity ON thread (tenant, channel_id, last_activity_at);

-- A message is written by exactly one of a customer identity or an agent user.
CREATE TABLE message (
    tenant              TEXT   NOT NULL,
    id                  TEXT   NOT NULL,
    thread_id           TEXT   NOT NULL,
    channel_id          TEXT   NOT NULL,
    author_identity_id  TEXT,
    author_user_id      TEXT,
    body                TEXT   NOT NULL,
    created_at          BIGINT NOT NULL,
    -- Arrival order in the thread: messages of the same millisecond keep it.
    seq                 BIGINT NOT NULL,
    moderation          TEXT   NOT NULL DEFAULT 'none'
                        CHECK (moderation IN ('none', 'pending', 'approved', 'rejected')),
    annotations         TEXT   NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, thread_id) REFERENCES thread (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, channel_id) REFERENCES channel (tenant, id),
    FOREIGN KEY (tenant, author_identity_id) REFERENCES identity (tenant, id),
    FOREIGN KEY (tenant, author_user_id) REFERENCES agent_user (tenant, id),
    CHECK ((author_identity_id IS NULL AND author_user_id IS NOT NULL)
        OR (author_identity_id IS NOT NULL AND author_user_id IS NULL))
);
CREATE INDEX message_by_thread ON message (tenant, thread_id, created_at);
CREATE INDEX message_by_identity ON message (tenant, author_identity_id);
CREATE INDEX message_by_channel ON message (tenant, channel_id, created_at);

CREATE TABLE intervention (
    tenant       TEXT   NOT NULL,
    id           TEXT   NOT NULL,
    thread_id    TEXT   NOT NULL,
    user_id      TEXT,
    identity_id  TEXT   NOT NULL,
    opened_at    BIGINT NOT NULL,
    closed_at    BIGINT,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, thread_id) REFERENCES thread (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user_id) REFERENCES agent_user (tenant, id),
    FOREIGN KEY (tenant, identity_id) REFERENCES identity (tenant, id)
);
CREATE INDEX intervention_by_thread ON intervention (tenant, thread_id);
CREATE INDEX intervention_by_identity ON intervention (tenant, identity_id, closed_at);

CREATE TABLE intervention_comment (
    tenant           TEXT   NOT NULL,
    id               TEXT   NOT NULL,
    intervention_id  TEXT   NOT NULL,
    user_id          TEXT   NOT NULL,
    body             TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, intervention_id) REFERENCES intervention (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user_id) REFERENCES agent_user (tenant, id)
);
CREATE INDEX intervention_comment_by_intervention ON intervention_comment (tenant, intervention_id);

-- The admin audit log.
CREATE TABLE event (
    tenant      TEXT   NOT NULL,
    id          TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    actor       TEXT,
    payload     TEXT   NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX event_by_time ON event (tenant, created_at);

CREATE TABLE stat (
    tenant      TEXT   NOT NULL,
    id          TEXT   NOT NULL,
    channel_id  TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, channel_id) REFERENCES channel (tenant, id)
);
CREATE INDEX stat_by_channel ON stat (tenant, channel_id, at);

CREATE TABLE agent_activity (
    tenant   TEXT   NOT NULL,
    id       TEXT   NOT NULL,
    user_id  TEXT   NOT NULL,
    kind     TEXT   NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, user_id) REFERENCES agent_user (tenant, id)
);
CREATE INDEX agent_activity_by_time ON agent_activity (tenant, at);

-- An installed wasm component, addressed by the hash of its bytes. Tenant '*' holds the
-- built-ins every tenant sees; a tenant's own uploads stay private to it.
CREATE TABLE component (
    tenant        TEXT   NOT NULL,
    id            TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    version       TEXT   NOT NULL,
    title         TEXT   NOT NULL,
    manifest      TEXT   NOT NULL,
    bytes         BYTEA  NOT NULL,
    builtin       BIGINT NOT NULL CHECK (builtin IN (0, 1)),
    installed_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);

-- An extension is one enabled, configured use of a component by a tenant. No foreign
-- key to `component`: the component may be a shared one, held under tenant '*'.
CREATE TABLE extension (
    tenant        TEXT   NOT NULL,
    id            TEXT   NOT NULL,
    component_id  TEXT   NOT NULL,
    settings      TEXT   NOT NULL DEFAULT '{}',
    secrets       BYTEA,
    enabled       BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    -- 1 for the tenant's default authentication (an enabled SSO extension
    -- used as default); the index below lets at most one row say so, even
    -- when two nodes save at the same instant.
    default_auth  BIGINT NOT NULL DEFAULT 0 CHECK (default_auth IN (0, 1)),
    position      BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX extension_by_position ON extension (tenant, position);
CREATE UNIQUE INDEX extension_one_default_auth ON extension (tenant) WHERE default_auth = 1;

-- Per-extension key/value state (JWT jti replay, survey grace periods), shared by every
-- node on one PostgreSQL. Deleting an extension deletes its state.
CREATE TABLE kv (
    tenant        TEXT   NOT NULL,
    extension_id  TEXT   NOT NULL,
    key           TEXT   NOT NULL,
    value         BYTEA  NOT NULL,
    expires_at    BIGINT,
    PRIMARY KEY (tenant, extension_id, key),
    FOREIGN KEY (tenant, extension_id) REFERENCES extension (tenant, id) ON DELETE CASCADE
);
CREATE INDEX kv_by_expiry ON kv (tenant, expires_at);
