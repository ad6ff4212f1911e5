"""What the two cores did while each ingest of a purge ran, from a trace of
the kernel's scheduler taken beside one purge_bench run. It splits the
ingests during the purge by latency and gives, for each group, the share of
both cores that stood idle, ran the bench's own threads, or ran anything
else; then, for the slowest, each core's timeline (which thread ran, from
when to when, in ms after the request began) and the data calls and
checkpoints logged beside it. A slow request with an idle core beside it
waited for something other than a core (BENCHMARKS.md, nineteenth session).

    PURGE_BENCH_TRACE=0 RUST_LOG=exthost::platform::data=debug,exthost::store=debug \\
        purge_bench 100000 10 sqlite > run.out 2> run.err &
    python3 -c 'import time; print(time.clock_gettime(time.CLOCK_REALTIME)
        - time.clock_gettime(time.CLOCK_MONOTONIC))' > run.offset
    perf record -a -k 1 -e sched:sched_switch -e sched:sched_wakeup -o run.data \\
        -- sh -c "while kill -0 $! 2>/dev/null; do sleep 0.5; done"
    perf script -i run.data -F tid,cpu,time,event,trace > run.sched
    python3 tests/examples/sched_beside_ingest.py run.sched run.offset run.err [slowest]

`-k 1` stamps the trace with CLOCK_MONOTONIC; the offset turns the log's wall
clock into it. The log's lines are read as `ingest_by_purge_step.py` reads them.
"""

import bisect
import collections
import re
import sys

from ingest_by_purge_step import ANSI, CALL, CHECKPOINT, INGEST, ingest_span, logged_span

EVENT = re.compile(r"^\s*(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch:.*next_comm=(.+?) next_pid=(\d+)")
# The bench's threads: its async workers, its SQLite connections, the epoch ticker.
OWN = ("tokio-rt-worker", "sqlx-sqlite-wor", "exthost-epoch", "purge_bench")


def runs(path):
    """Per core, each stretch a thread ran: (from, to, pid, name)."""
    current, stretches = {}, collections.defaultdict(list)
    for line in open(path, encoding="utf-8"):
        m = EVENT.match(line)
        if not m:
            continue
        cpu, t = int(m.group(2)), float(m.group(3))
        if cpu in current:
            pid, name, since = current[cpu]
            stretches[cpu].append((since, t, pid, name))
        current[cpu] = (int(m.group(5)), m.group(4), t)
    return stretches


def kind(pid, name):
    return "idle" if pid == 0 else "bench" if name.startswith(OWN) else "other"


def overlapping(stretches, starts, a, b):
    i = max(0, bisect.bisect_right(starts, a) - 1)
    while i < len(stretches) and stretches[i][0] < b:
        s, e, pid, name = stretches[i]
        if e > a:
            yield max(s, a), min(e, b), pid, name
        i += 1


def main(sched, offset_file, log, slowest=6):
    offset = float(open(offset_file).read())
    ingests, logged = [], []
    for line in open(log, encoding="utf-8"):
        line = ANSI.sub("", line)
        if m := INGEST.search(line):
            start, end, took = ingest_span(m)
            ingests.append((start - offset, end - offset, took))
        elif (m := CALL.search(line)) or (m := CHECKPOINT.search(line)):
            start, end = logged_span(m)
            logged.append((start - offset, end - offset, m.group(2) if m.re is CALL else "checkpoint"))
    calls = [c for c in logged if c[2] != "checkpoint"]
    if not calls:
        sys.exit("no data calls: was RUST_LOG=exthost::platform::data=debug set?")
    first, last = min(c[0] for c in calls), max(c[1] for c in calls)
    during = sorted((i for i in ingests if i[0] >= first and i[1] <= last), key=lambda i: -i[2])
    stretches = runs(sched)
    starts = {cpu: [s[0] for s in st] for cpu, st in stretches.items()}
    n = len(during)
    print("%d ingests during the purge (%.2f s); share of %d cores while they ran:" % (n, last - first, len(stretches)))
    for label, group in (("slowest 2%", during[: max(1, n // 50)]), ("slowest 10%", during[: max(1, n // 10)]),
                         ("10-50%", during[n // 10 : n // 2]), ("fastest 50%", during[n // 2 :])):
        share, total = collections.Counter(), 0.0
        for a, b, took in group:
            total += took * len(stretches)
            for cpu, st in stretches.items():
                for s, e, pid, name in overlapping(st, starts[cpu], a, b):
                    share[kind(pid, name)] += e - s
        print("  %-12s n %4d  mean %.2f ms  idle %4.1f%%  bench %4.1f%%  other %4.1f%%" % (
            label, len(group), 1e3 * sum(g[2] for g in group) / len(group),
            *(100 * share[k] / total for k in ("idle", "bench", "other"))))
    for a, b, took in during[:slowest]:
        print("ingest of %.2f ms; beside it: %s" % (1e3 * took, "; ".join(
            "%s [%.1f, %.1f]" % (what, 1e3 * (s - a), 1e3 * (e - a)) for s, e, what in logged if s < b and e > a)))
        for cpu, st in sorted(stretches.items()):
            print("  core %d: %s" % (cpu, " ".join(
                "%.2f-%.2f %s/%d" % (1e3 * (s - a), 1e3 * (e - a), name, pid)
                for s, e, pid, name in overlapping(st, starts[cpu], a, b) if e - s > 3e-5)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:5]))
