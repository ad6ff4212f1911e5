-- Data purging: the runs of purge extensions (progress and last result for the admin),
-- and the indexes that let a purge find old rows of every channel at once.

-- One run of a purge extension: started by the scheduler or by an admin, possibly a
-- dry run. `counts` is a JSON object of rows per kind, updated after every call, so a
-- run's progress is visible while it goes. A run whose process died stays `running`
-- until the next run takes the purge lock and marks it `interrupted`.
CREATE TABLE purge_run (
    tenant        TEXT   NOT NULL,
    id            TEXT   NOT NULL,
    extension_id  TEXT   NOT NULL,
    dry_run       BIGINT NOT NULL CHECK (dry_run IN (0, 1)),
    started_by    TEXT   NOT NULL CHECK (started_by IN ('schedule', 'admin')),
    state         TEXT   NOT NULL CHECK (state IN ('running', 'finished', 'failed', 'interrupted')),
    counts        TEXT   NOT NULL DEFAULT '{}',
    calls         BIGINT NOT NULL DEFAULT 0,
    error         TEXT,
    clock         BIGINT NOT NULL,
    started_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    finished_at   BIGINT,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX purge_run_by_extension ON purge_run (tenant, extension_id, started_at);

-- With every channel selected the purge looks for old rows by time alone.
CREATE INDEX thread_by_idle ON thread (tenant, last_activity_at);
CREATE INDEX stat_by_time ON stat (tenant, at);
