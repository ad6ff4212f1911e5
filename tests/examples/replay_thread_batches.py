"""Replays a purge's thread batches (50 idle threads each, the statements of
`store/purge/sqlite.rs`) on a copy of a seeded SQLite file with a schema
variant, and prints the CPU seconds they took: a quick way to weigh a schema
change before building it (BENCHMARKS.md, thirteenth session).

    exthost seed --database /tmp/seed.db --threads 100000
    python3 replay_thread_batches.py /tmp/seed.db base|nochannel|clustered|clustered_id|nofk

Weigh a change on the SQLite the server runs, not on the one Python links
(Debian's 3.40.1): the two can disagree (BENCHMARKS.md, fifteenth session).
Build libsqlite3-sys's bundled amalgamation and preload it:

    gcc -O2 -fPIC -shared -DSQLITE_DEFAULT_MEMSTATUS=0 -DSQLITE_THREADSAFE=1 \
        -o /tmp/libsqlite3.so.0 ~/.cargo/registry/src/*/libsqlite3-sys-0.37*/sqlite3/sqlite3.c -lpthread -ldl -lm
    LD_PRELOAD=/tmp/libsqlite3.so.0 python3 replay_thread_batches.py /tmp/seed.db base

Variants: the seed file's schema as it is (base); without `message_by_channel`
(the same as base on a file migrated past version 4); foreign keys not
checked (nofk);
`message` without rowid, keyed by (tenant, thread_id, seq) (clustered) or by
(tenant, id) (clustered_id). The copy is written beside the seed file.
"""
import sqlite3, sys, time, os, shutil, resource
src, variant = sys.argv[1], sys.argv[2]
db = os.path.join(os.path.dirname(os.path.abspath(src)), f"replay-{variant}.db")
for ext in ("", "-wal", "-shm"):
    if os.path.exists(db + ext): os.remove(db + ext)
shutil.copy(src, db)
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL")
c.execute("PRAGMA cache_size=-65536"); c.execute("PRAGMA wal_autocheckpoint=0")
T = c.execute("SELECT tenant FROM thread LIMIT 1").fetchone()[0]
if variant == "nochannel":
    c.execute("DROP INDEX IF EXISTS message_by_channel")
elif variant in ("clustered", "clustered_id"):
    # `message` rebuilt without rowid, keyed by thread (the key then serves as
    # `message_by_thread`) or by id; the indexes of the seed file follow.
    by_thread = variant == "clustered"
    cols = [r[1] for r in c.execute("PRAGMA table_info(message)")]
    indexes = [r[0] for r in c.execute("SELECT sql FROM sqlite_master WHERE tbl_name='message' AND type='index' AND sql IS NOT NULL")]
    sql = c.execute("SELECT sql FROM sqlite_master WHERE name='message'").fetchone()[0]
    sql = sql.replace("CREATE TABLE \"message\"", "CREATE TABLE message2")
    if by_thread:
        sql = sql.replace("PRIMARY KEY (tenant, id)", "PRIMARY KEY (tenant, thread_id, seq), UNIQUE (tenant, id)")
        indexes = [i for i in indexes if "message_by_thread" not in i]
    sql = sql.rstrip().rstrip(")") + ") WITHOUT ROWID"
    order = "tenant, thread_id, seq" if by_thread else "tenant, id"
    c.execute("PRAGMA foreign_keys=OFF")
    c.execute("BEGIN"); c.execute(sql)
    c.execute(f"INSERT INTO message2 SELECT {','.join(cols)} FROM message ORDER BY {order}")
    c.execute("DROP TABLE message"); c.execute("ALTER TABLE message2 RENAME TO message")
    for index in indexes:
        c.execute(index)
    c.execute("COMMIT")
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
c.execute("PRAGMA foreign_keys=" + ("OFF" if variant == "nofk" else "ON"))
c.execute("CREATE TEMP TABLE batch_ids (id TEXT PRIMARY KEY)")
now = c.execute("SELECT MAX(last_activity_at) FROM thread").fetchone()[0]
cutoff = now - 30*86400000
ids = [r[0] for r in c.execute("SELECT id FROM thread WHERE tenant=? AND last_activity_at < ? ORDER BY last_activity_at, id", (T, cutoff))]
limit = int(os.environ.get("LIMIT", "1006"))
r0 = resource.getrusage(resource.RUSAGE_SELF); w0 = time.time(); msgs = 0; commit_t = 0
for b in range(min(limit, (len(ids)+49)//50)):
    chunk = ids[b*50:(b+1)*50]
    q = ",".join("?"*len(chunk))
    c.execute("BEGIN IMMEDIATE")
    c.execute("DELETE FROM batch_ids")
    c.execute(f"INSERT INTO batch_ids SELECT t.id FROM thread t WHERE t.tenant=? AND +t.last_activity_at < ? AND t.id IN ({q})", [T, cutoff, *chunk])
    c.execute("DELETE FROM intervention_comment WHERE tenant=? AND intervention_id IN (SELECT id FROM intervention WHERE tenant=? AND thread_id IN (SELECT id FROM batch_ids))", (T, T))
    c.execute("DELETE FROM intervention WHERE tenant=? AND thread_id IN (SELECT id FROM batch_ids)", (T,))
    msgs += c.execute("DELETE FROM message WHERE tenant=? AND thread_id IN (SELECT id FROM batch_ids)", (T,)).rowcount
    c.execute("DELETE FROM thread WHERE tenant=? AND id IN (SELECT id FROM batch_ids)", (T,))
    t = time.time(); c.execute("COMMIT"); commit_t += time.time()-t
    if b % 8 == 7: c.execute("PRAGMA wal_checkpoint(PASSIVE)")
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r1.ru_utime-r0.ru_utime)+(r1.ru_stime-r0.ru_stime)
print(f"{variant} (SQLite {sqlite3.sqlite_version}): {msgs} msgs, cpu {cpu:.2f}s (user {r1.ru_utime-r0.ru_utime:.2f} sys {r1.ru_stime-r0.ru_stime:.2f}), wall {time.time()-w0:.2f}s, {msgs/cpu:,.0f} per cpu s, size {os.path.getsize(db)>>20} MB", flush=True)
