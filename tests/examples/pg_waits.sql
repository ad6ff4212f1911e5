-- What PostgreSQL's client backends of database `test` are doing, every 2 ms
-- for about 40 s: one NOTICE a busy backend a sample, as
-- time|pid|state|wait event type|wait event|the first 30 characters of its query.
-- Run beside `purge_bench ... postgres` once it has seeded:
--   psql -q -h 127.0.0.1 -U postgres test -f tests/examples/pg_waits.sql 2> waits.txt
-- A backend waiting for the client's next statement shows `idle in
-- transaction` with `Client:ClientRead`; one on a core (or waiting for one),
-- `active` with no wait event (BENCHMARKS.md, fourteenth session).
-- tests/examples/pg_waits_by_phase.py counts the samples of ingest's backends
-- alone and during the purge.
DO $$
DECLARE r record;
BEGIN
  FOR i IN 1..15000 LOOP
    -- pg_stat_activity is read once a transaction unless the snapshot is cleared.
    PERFORM pg_stat_clear_snapshot();
    FOR r IN SELECT pid, state, coalesce(wait_event_type, '-') wt, coalesce(wait_event, '-') we,
                    replace(left(query, 30), E'\n', ' ') q
             FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
               AND state <> 'idle' AND datname = 'test'
    LOOP
      RAISE NOTICE '%|%|%|%|%|%', to_char(clock_timestamp(), 'HH24:MI:SS.US'), r.pid, r.state, r.wt, r.we, r.q;
    END LOOP;
    PERFORM pg_sleep(0.002);
  END LOOP;
END $$;
