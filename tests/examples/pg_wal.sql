-- How much WAL the server writes, every 250 ms for about a minute: one NOTICE
-- a sample, as
-- epoch ms|WAL position in bytes|records|full-page images|fsyncs.
-- The position is exact. The counters come from `pg_stat_wal`, which a busy
-- backend adds to about once a second and an idle one up to 10 s later, so
-- over a window of a few seconds they may miss about a second's worth. Run
-- beside `purge_bench ... postgres` once it has seeded:
--   psql -q -h 127.0.0.1 -U postgres test -f tests/examples/pg_wal.sql 2> wal.txt
-- tests/examples/pg_wal_by_phase.py sums them alone and during the purge.
DO $$
DECLARE r record;
BEGIN
  FOR i IN 1..240 LOOP
    -- Statistics are read once a transaction unless the snapshot is cleared.
    PERFORM pg_stat_clear_snapshot();
    SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS at,
           pg_current_wal_lsn() - '0/0'::pg_lsn AS position,
           wal_records, wal_fpi, wal_sync
      INTO r FROM pg_stat_wal;
    RAISE NOTICE '%|%|%|%|%', r.at, r.position, r.wal_records, r.wal_fpi, r.wal_sync;
    PERFORM pg_sleep(0.25);
  END LOOP;
END $$;
