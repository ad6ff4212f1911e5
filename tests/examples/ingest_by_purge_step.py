"""Split the ingest latencies of one purge_bench run by the purge step each
request overlapped: alone (before the purge), thread steps (thread batches and
finds), identity steps (orphan-identity batches). First it lists the data
calls by operation: how many, their time in all and the longest, and, with
`exthost::store=debug` logged too, how often they gave way to ingest on
SQLite and how many gave way as often as they may (8 times) before running
to their end while ingest waited.

    PURGE_BENCH_TRACE=0 RUST_LOG=exthost::platform::data=debug,exthost::store=debug \\
        purge_bench 100000 10 postgres 2> run.err
    python3 tests/examples/ingest_by_purge_step.py run.err

`PURGE_BENCH_TRACE=0` prints every ingest with its end time; the data calls'
debug lines give each step's end and length (BENCHMARKS.md, fourteenth session).
With `exthost::store::sqlite=debug` logged too (SQLite), it then splits the
ingests during the purge by whether a checkpoint ran beside them (the
background task's, every 200 ms, or one of a hold that starts the WAL over),
and says how many of the slowest 2% did (eighteenth session).
"""

import collections
import datetime
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")
CALL = re.compile(r'^(\S+Z) .*operation="(\w+)" elapsed_us=(\d+)')
INGEST = re.compile(r"(?:slow|traced) ingest: ([\d.]+)(ms|µs|s) ended SystemTime \{ tv_sec: (\d+), tv_nsec: (\d+)")
UNIT = {"ms": 1e3, "µs": 1e6, "s": 1.0}
CHECKPOINT = re.compile(r'^(\S+Z) .*checkpoint wal_frames=\d+ copied=\d+ elapsed_us=(\d+)')
GAVE_WAY = "a purge script gave way"
# `GIVE_WAY_TIMES` in host/server/src/store/purge/sqlite.rs.
GIVE_WAY_TIMES = 8


def main(path):
    calls, ingests, checkpoints = [], [], []
    # Per operation: [calls, µs in all, longest µs, gave way, calls that gave way 8 times].
    ops = collections.defaultdict(lambda: [0, 0, 0, 0, 0])
    gave_way = 0
    for line in open(path, encoding="utf-8"):
        line = ANSI.sub("", line)
        if GAVE_WAY in line:
            # Logged by the call that gave way, before that call ends.
            gave_way += 1
        elif m := CALL.search(line):
            start, end = logged_span(m)
            took = int(m.group(3))
            calls.append((start, end, m.group(2)))
            op = ops[m.group(2)]
            op[0] += 1
            op[1] += took
            op[2] = max(op[2], took)
            op[3] += gave_way
            op[4] += gave_way >= GIVE_WAY_TIMES
            gave_way = 0
        elif m := CHECKPOINT.search(line):
            checkpoints.append(logged_span(m))
        elif m := INGEST.search(line):
            ingests.append(ingest_span(m))
    if not calls:
        sys.exit("no data calls: was RUST_LOG=exthost::platform::data=debug set?")
    print("%-32s %6s %10s %10s %9s %13s" % ("data call", "calls", "total ms", "longest ms", "gave way", "8 times"))
    for name, (n, total, longest, gave, eight) in sorted(ops.items(), key=lambda o: -o[1][1]):
        print("%-32s %6d %10.0f %10.1f %9d %13d" % (name, n, total / 1e3, longest / 1e3, gave, eight))
    first, last = min(c[0] for c in calls), max(c[1] for c in calls)
    busy = collections.Counter()
    for start, end, op in calls:
        busy[op] += end - start
    print("purge %.2f s: thread batches %.2f s, finds %.2f s, identity batches %.2f s" % (
        last - first, busy["delete_threads"], busy["find_idle_threads"], busy["delete_orphan_identities"]))
    by = collections.defaultdict(list)
    during = []
    for start, end, took in ingests:
        if end < first:
            by["alone"].append(took)
            continue
        if start > last:
            continue
        during.append((start, end, took))
        ops = {op for s, e, op in calls if s < end and e > start}
        if "delete_orphan_identities" in ops:
            by["identity steps"].append(took)
        elif ops & {"delete_threads", "find_idle_threads"}:
            by["thread steps"].append(took)
        else:
            by["other steps"].append(took)
    for phase in ("alone", "thread steps", "identity steps", "other steps"):
        latencies(phase, by[phase])
    if not checkpoints:
        return
    beside = [any(cs < e and ce > s for cs, ce in checkpoints) for s, e, _ in during]
    latencies("beside a checkpoint", [t for (_, _, t), b in zip(during, beside) if b])
    latencies("no checkpoint", [t for (_, _, t), b in zip(during, beside) if not b])
    slowest = sorted(zip(during, beside), key=lambda d: -d[0][2])[: max(1, len(during) // 50)]
    print("beside a checkpoint: %d of the %d slowest 2%% during the purge, %d of all %d" % (
        sum(b for _, b in slowest), len(slowest), sum(beside), len(during)))


def log_time(stamp):
    """A log line's RFC 3339 UTC time as seconds since the epoch."""
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def logged_span(m):
    """(start, end) in seconds since the epoch of a step logged as it ended
    with its `elapsed_us`: a match of `CALL` or `CHECKPOINT`."""
    end = log_time(m.group(1))
    return end - int(m.groups()[-1]) / 1e6, end


def ingest_span(m):
    """(start, end, took) in seconds of a match of `INGEST`."""
    took = float(m.group(1)) / UNIT[m.group(2)]
    end = int(m.group(3)) + int(m.group(4)) / 1e9
    return end - took, end, took


def latencies(label, seconds):
    ms = sorted(1e3 * t for t in seconds)
    if ms:
        pick = lambda q: ms[min(int(len(ms) * q), len(ms) - 1)]
        print("%-19s n %5d  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f ms" % (
            label, len(ms), pick(0.5), pick(0.9), pick(0.99), ms[-1]))


if __name__ == "__main__":
    main(sys.argv[1])
