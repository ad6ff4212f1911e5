"""Where the database's time went during a purge, by statement: sqlx logs every
statement it runs with its elapsed time at debug level, and this sums those
that ended inside the purge's window (its first data call's start to its last
one's end), per statement with its `IN (...)` lists folded, slowest total
first. On PostgreSQL it showed the orphan-identity DELETE as the costliest
statement of the purge, most of it in its foreign-key triggers, which
`auto_explain` with `log_triggers` times (BENCHMARKS.md, twenty-third session).

    PURGE_BENCH_TRACE=0 RUST_LOG=exthost::platform::data=debug,sqlx::query=debug \\
        purge_bench 100000 10 postgres > run.out 2> run.err
    python3 tests/examples/sql_by_statement.py run.err

The times are sqlx's, as exthost's side of the connection saw them: from
sending the statement to its last row, the round trip included.
"""

import collections
import re
import sys

from ingest_by_purge_step import ANSI, log_time
from runnable_waits import purge_window

# sqlx's line: `<UTC stamp> DEBUG sqlx::query: summary=... db.statement="..." ... elapsed=1.2ms`.
QUERY = re.compile(r'^(\S+Z) .*sqlx::query: .*?(?:db\.statement="(.*?)" )?rows_affected=.*\belapsed=([\d.]+)(ns|µs|ms|s)\b')
SUMMARY = re.compile(r'summary="(.*?)"')
SECONDS = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
# A list of bound parameters or of quoted literals, as `IN (...)` writes it.
LIST = re.compile(r"\$\d+(?:, \$\d+)+|'[^']*'(?:, '[^']*')+")


def shape(statement):
    """The statement on one line, with its lists folded, cut to 150 characters."""
    text = LIST.sub("..", statement.replace("\\n", " "))
    return re.sub(r"\s+", " ", text).strip()[:150]


def main(path):
    first, last = purge_window(path, 0.0)
    totals = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for line in open(path, encoding="utf-8"):
        line = ANSI.sub("", line)
        m = QUERY.search(line)
        if not m or not first <= log_time(m.group(1)) <= last:
            continue
        # A statement sent as a simple query has no `db.statement`, only its summary.
        statement = m.group(2) or SUMMARY.search(line).group(1)
        took = float(m.group(3)) * SECONDS[m.group(4)]
        row = totals[shape(statement)]
        row[0] += 1
        row[1] += took
        row[2] = max(row[2], took)
    print(f"purge {last - first:.2f} s; statements that ended in it, slowest total first:")
    print(f"{'calls':>6} {'total ms':>9} {'mean µs':>8} {'longest ms':>10}  statement")
    for statement, (calls, total, longest) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(f"{calls:6d} {total * 1e3:9.1f} {total / calls * 1e6:8.0f} {longest * 1e3:10.2f}  {statement}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
