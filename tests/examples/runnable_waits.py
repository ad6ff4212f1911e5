"""How long the bench's normal-priority threads (async workers, the
foreground writer, the request readers) waited runnable for a core during a
purge, and what held that core meanwhile: a lowered (SCHED_IDLE) thread of
the purge, another of the bench's threads, or anything else; and how much of
that wait the other core stood idle. A request's latency is the sum of such
waits and its work, and the waits move far less from run to run than one
run's p99 does (BENCHMARKS.md, twentieth session). It reads the trace that
`sched_beside_ingest.py` reads, plus the threads' scheduling classes sampled
with `ps` while the bench ran (the bench's pid in $PID):

    while kill -0 $PID; do ps -L -o tid=,cls=,comm= -p $PID >> run.cls; sleep 0.5; done
    python3 tests/examples/runnable_waits.py run.sched run.cls run.offset run.err
"""

import collections
import re
import sys

from ingest_by_purge_step import ANSI, CALL, logged_span

LINE = re.compile(r"^\s*(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:(sched_switch|sched_wakeup):\s+(.*)$")
SWITCH = re.compile(r"prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=.+? next_pid=(\d+)")
WAKEUP = re.compile(r"pid=(\d+) prio=\d+ target_cpu=(\d+)")
LONG = 250e-6


def purge_window(log, offset):
    """From the first data call's start to the last one's end, on the trace's clock."""
    spans = []
    for line in open(log, encoding="utf-8"):
        if m := CALL.search(ANSI.sub("", line)):
            spans.append(logged_span(m))
    if not spans:
        sys.exit("no data calls: was RUST_LOG=exthost::platform::data=debug set?")
    return min(s for s, _ in spans) - offset, max(e for _, e in spans) - offset


def classes(path):
    """The bench's thread ids, and those of them `ps` ever saw under SCHED_IDLE."""
    lowered, bench = set(), set()
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit():
            bench.add(int(parts[0]))
            if parts[1] == "IDL":
                lowered.add(int(parts[0]))
    return lowered, bench


def main(sched, cls, offset_file, log):
    offset = float(open(offset_file).read())
    first, last = purge_window(log, offset)
    lowered, bench = classes(cls)
    normal = bench - lowered

    def kind(pid):
        return "idle" if pid == 0 else "lowered" if pid in lowered else "bench" if pid in bench else "other"

    running = {}  # cpu -> (pid, since)
    stretches = collections.defaultdict(list)  # cpu -> [(from, to, kind)]
    runnable = {}  # pid -> since
    # (wait, cpu, since, until): the core is the one the thread ran on in the
    # end, where it waited unless the scheduler moved it meanwhile.
    waits = []
    for line in open(sched, encoding="utf-8", errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        cpu, t, event, rest = int(m.group(2)), float(m.group(3)), m.group(4), m.group(5)
        if event == "sched_wakeup":
            w = WAKEUP.search(rest)
            if w:
                runnable.setdefault(int(w.group(1)), t)
            continue
        s = SWITCH.search(rest)
        if not s:
            continue
        prev, state, nxt = int(s.group(1)), s.group(2), int(s.group(3))
        if cpu in running:
            pid, since = running[cpu]
            stretches[cpu].append((since, t, kind(pid)))
        running[cpu] = (nxt, t)
        if prev != 0 and state.startswith("R"):
            runnable[prev] = t
        since = runnable.pop(nxt, None)
        if since is not None and nxt in normal and first <= since <= last:
            waits.append((t - since, cpu, since, t))

    def share(cpu, a, b):
        out = collections.Counter()
        for s, e, k in stretches[cpu]:
            if e > a and s < b:
                out[k] += min(e, b) - max(s, a)
        return out

    waits.sort()
    n = len(waits)
    if not n:
        sys.exit("no waits in the purge's window")
    q = lambda p: waits[min(n - 1, int(p * n))][0] * 1e3
    longw = [w for w in waits if w[0] > LONG]
    print(f"purge {last - first:.2f} s; {len(lowered)} lowered threads; {n} runnable waits of normal-priority threads")
    print(f"  wait p50 {q(0.5):.3f} ms, p99 {q(0.99):.3f}, p99.9 {q(0.999):.3f}, max {waits[-1][0] * 1e3:.2f}")
    print(f"  over {LONG * 1e3:.2f} ms: {len(longw)}, {sum(w[0] for w in longw) * 1e3:.1f} ms in all; over 1 ms: {sum(1 for w in waits if w[0] > 1e-3)}")
    held, other_idle = collections.Counter(), 0.0
    for wait, cpu, a, b in longw:
        held += share(cpu, a, b)
        other_idle += sum(share(c, a, b)["idle"] for c in stretches if c != cpu)
    total = sum(w[0] for w in longw) or 1
    print("  while those waited, their core ran: " + ", ".join(f"{k} {v / total:.0%}" for k, v in held.most_common()))
    print(f"  and the other core stood idle {other_idle / total:.0%} of that time")


if __name__ == "__main__":
    main(*sys.argv[1:])
