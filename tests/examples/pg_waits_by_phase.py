"""What PostgreSQL's backend was doing while it served ingest, alone and
during the purge: the samples `pg_waits.sql` took of the backends running
`exthost_post_message` (one ingest each), counted by state and wait event,
per phase, and per ingest of that phase. A wait that grows per ingest during
the purge is what the purge adds to ingest's latency (BENCHMARKS.md,
twenty-second session: `IO:WALSync`, the commit's fsync of the WAL, which
then holds the purge's records too).

    PURGE_BENCH_TRACE=0 RUST_LOG=exthost::platform::data=debug \\
        purge_bench 100000 10 postgres > run.out 2> run.err &
    # once run.err says "seeded":
    psql -q -h 127.0.0.1 -U postgres test -f tests/examples/pg_waits.sql 2> waits.txt
    python3 tests/examples/pg_waits_by_phase.py waits.txt run.err run.out

The purge's window is that of its data calls in run.err, and the alone
phase's that of its ingests there (`PURGE_BENCH_TRACE=0` logs each one);
run.out's row says how many ingests each phase had. The samples are on
PostgreSQL's clock and the log on the bench's: both are this machine's UTC.
"""

import collections
import sys

from ingest_by_purge_step import ANSI, INGEST, ingest_span
from runnable_waits import purge_window

# What the backend serving an ingest runs (`pg_waits.sql` prints its start).
POST_MESSAGE = "SELECT exthost_post_message"


def seconds_of_day(clock):
    """`HH:MM:SS.ffffff` as seconds since midnight."""
    h, m, s = clock.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def alone_window(log, n):
    """From the first ingest's start to the `n`th one's end, in seconds since the epoch."""
    first, seen = None, 0
    for line in open(log, encoding="utf-8"):
        if m := INGEST.search(ANSI.sub("", line)):
            start, end, _ = ingest_span(m)
            first = start if first is None else first
            seen += 1
            if seen == n:
                return first, end
    sys.exit("fewer traced ingests than the alone phase had: was PURGE_BENCH_TRACE=0 set?")


def ingests(out):
    """Ingests alone and during the purge, from the bench's table row."""
    for line in open(out, encoding="utf-8"):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 10 and cells[1] == "Postgres":
            return {"alone": int(cells[6]), "during": int(cells[9])}
    sys.exit("no Postgres row in " + out)


def main(waits, log, out):
    n = ingests(out)
    # The windows in seconds of the day, as `pg_waits.sql` prints its times.
    start, end = (at % 86400 for at in purge_window(log, 0))
    alone_start, alone_end = (at % 86400 for at in alone_window(log, n["alone"]))
    counts = {"alone": collections.Counter(), "during": collections.Counter()}
    for line in open(waits, encoding="utf-8"):
        if "NOTICE:" not in line:
            continue
        fields = line.split("NOTICE:", 1)[1].strip().split("|")
        if len(fields) < 6 or not fields[5].startswith(POST_MESSAGE):
            continue
        at = seconds_of_day(fields[0])
        if start <= at <= end:
            phase = "during"
        elif alone_start <= at <= alone_end:
            phase = "alone"
        else:
            continue
        state, kind, event = fields[2], fields[3], fields[4]
        wait = "on a core" if kind == "-" else f"{kind}:{event}"
        counts[phase][f"{state} {wait}"] += 1
    print(f"purge {end - start:.2f} s; ingests alone {n['alone']}, during {n['during']}")
    print(f"{'state and wait':40} {'alone':>8} {'per ingest':>11} {'during':>8} {'per ingest':>11}")
    for key in sorted(set(counts["alone"]) | set(counts["during"]), key=lambda k: -counts["during"][k]):
        a, d = counts["alone"][key], counts["during"][key]
        print(f"{key:40} {a:8} {a / n['alone']:11.3f} {d:8} {d / n['during']:11.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
