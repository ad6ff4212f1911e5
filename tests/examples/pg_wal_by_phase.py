"""How much WAL PostgreSQL wrote while ingest ran alone and while the purge
ran: bytes, records, full-page images and fsyncs, from the samples
`pg_wal.sql` took beside a `purge_bench` run. Each window is taken from the
samples nearest its ends. On this project's bench most of a purge's WAL is
full-page images: the bench checkpoints after seeding, so the first change to
each page the purge deletes from logs the whole page (BENCHMARKS.md,
twenty-third session).

    PURGE_BENCH_TRACE=0 RUST_LOG=exthost::platform::data=debug \\
        purge_bench 100000 10 postgres > run.out 2> run.err &
    # once run.err says "seeded":
    psql -q -h 127.0.0.1 -U postgres test -f tests/examples/pg_wal.sql 2> wal.txt
    python3 tests/examples/pg_wal_by_phase.py wal.txt run.err run.out

The windows are `pg_waits_by_phase.py`'s: the purge's is that of its data
calls in run.err, and the alone phase's that of its ingests there, as many as
run.out's row says it had.
"""

import re
import sys

from pg_waits_by_phase import alone_window, ingests
from runnable_waits import purge_window

# `pg_wal.sql`'s NOTICE: epoch ms|position|records|full-page images|fsyncs.
SAMPLE = re.compile(r"NOTICE:\s+(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)")


def samples(path):
    """(seconds since the epoch, position, records, images, fsyncs), in time order."""
    rows = []
    for line in open(path, encoding="utf-8"):
        if m := SAMPLE.search(line):
            at, *counts = (int(g) for g in m.groups())
            rows.append((at / 1e3, *counts))
    if not rows:
        sys.exit("no samples: is this the stderr of pg_wal.sql?")
    return rows


def nearest(rows, at):
    return min(rows, key=lambda r: abs(r[0] - at))


def show(label, rows, first, last):
    a, b = nearest(rows, first), nearest(rows, last)
    seconds = b[0] - a[0]
    if seconds <= 0:
        print(f"{label}: no samples span {first:.1f}-{last:.1f}")
        return
    size, records, images, syncs = (b[i] - a[i] for i in range(1, 5))
    print(
        f"{label}: {seconds:.1f} s, {size / 1e6:.1f} MB of WAL ({size / 1e6 / seconds:.1f} MB/s), "
        f"{records} records, {images} full-page images ({images * 8192 / 1e6:.0f} MB at 8 KiB), "
        f"{syncs} fsyncs ({syncs / seconds:.0f}/s)"
    )


def main(wal, log, out):
    rows = samples(wal)
    show("alone", rows, *alone_window(log, ingests(out)["alone"]))
    show("purge", rows, *purge_window(log, 0.0))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
