"""The performance table in one run: prints figures, asserts nothing.

Runs the benchmarks behind each figure of the performance table, one after
the other on this machine, and prints the table with the goal beside each
figure, and what this machine's cores allow by CPU alone (its cores divided by
the CPU every process taking part spends per item: server, database, load
generator; read from /proc):

* SQLite, full lifecycle over executor sessions, and the server's CPU per
  process (bench/lifecycle.py --processes 10000 --executors 8), with the
  submit -> assign latency of an idle executor and the assign cost with
  100,000 waiting against 10;
* PostgreSQL, the same with --processes 6000 on a fresh database;
* PostgreSQL and SQLite, bench/workflow.py with 10,000 nodes;
* the ColonyOS HTTP gateway (bench/gateway.py --processes 5000 --executors 8
  --submitters 4), with the server's CPU per process and the load
  generator's own.

PostgreSQL rows need --pg, a URL of a database to connect to (postgres, say)
as a user that may create databases: each PostgreSQL run gets a fresh
database, dropped after. --quick runs everything smaller (a check that the
table is made, not figures to quote).

    python bench/table.py [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent


@dataclass
class Row:
    path: str
    figure: str
    goal: str
    command: str
    allows: str = "-"  # what this machine's cores allow by CPU alone


CEILING = r"cores allow at most (\d+) \w+/s \((\d+) us of CPU per item"


def allowed(out: str) -> str:
    most, cpu = find(CEILING, out)
    return f"≤ {int(most):,}/s ({int(cpu):,} µs of CPU in all per item)"


def run(script: str, *args: str) -> tuple[str, str]:
    """Runs a benchmark; returns its command line (as a user would type it) and output."""
    command = ["python", f"bench/{script}", *args]
    shown = " ".join(re.sub(r"postgresql://\S+", "postgresql://...", a) for a in command[1:])
    print(f"$ python {shown}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True, text=True, cwd=BENCH.parent,
    )  # fmt: skip
    print(f"  ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    if done.returncode != 0:
        raise SystemExit(f"bench/{script} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return f"python {shown}", done.stdout


def find(pattern: str, text: str) -> tuple[str, ...]:
    found = re.search(pattern, text)
    if found is None:
        raise SystemExit(f"no line matching {pattern!r} in:\n{text}")
    return found.groups()


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new database on the server of `url`, dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"colonies_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def lifecycle(rows: list[Row], label: str, processes: int, deep: int, db: str | None) -> None:
    args = ["--processes", str(processes), "--executors", "8", "--deep", str(deep)]
    command, out = run("lifecycle.py", *args, *(["--db", db] if db else []))
    rate, cpu = find(r"full lifecycle, sessions\s+(\d+) processes/s; server CPU (\d+) us", out)
    (pairs,) = find(r"assign\+close, sessions\s+(\d+) processes/s", out)
    goal = "≥ 3,000/s; ≤ 300 µs" if db is None else "≥ 1,500/s with one server"
    figure = f"{int(rate):,}/s full lifecycle; server {int(cpu):,} µs CPU per process"
    if db is not None:
        (backends,) = find(r"PostgreSQL's backends (\d+) us", out)
        figure += f", PostgreSQL's backends {int(backends):,} µs; assign+close {int(pairs):,}/s"
    rows.append(Row(f"{label}, full lifecycle over sessions", figure, goal, command, allowed(out)))
    p50, p99 = find(r"submit->assign, session\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms", out)
    u50, u99 = find(r"submit->assign, unary Assign\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms", out)
    rows.append(Row(
        f"{label}, submit → assign of an idle executor (session; unary Assign)",
        f"p50 {p50} ms, p99 {p99} ms; unary p50 {u50} ms, p99 {u99} ms",
        "p99 ≤ 3 ms at idle", command,
    ))  # fmt: skip
    shallow, deep_ms, ratio = find(
        r"with 10 waiting\s+([\d.]+) ms, with [\d,]+ waiting\s+([\d.]+) ms \(ratio ([\d.]+)", out
    )
    rows.append(Row(
        f"{label}, assign+close with {deep:,} waiting vs 10",
        f"{deep_ms} vs {shallow} ms (ratio {ratio})", "flat", command,
    ))  # fmt: skip


def workflow(rows: list[Row], label: str, nodes: int, db: str | None, goal: str) -> None:
    command, out = run("workflow.py", "--sizes", str(nodes), *(["--db", db] if db else []))
    wall, rate = find(r"nodes:\s+([\d.]+) s end to end.*?(\d+) nodes/s", out)
    most, cpu = find(CEILING, out)
    allows = f"≥ {nodes / int(most):.1f} s ({int(cpu):,} µs of CPU in all per node)"
    rows.append(Row(f"{label}, workflow of {nodes:,} nodes", f"{wall} s ({rate} nodes/s)",
                    goal, command, allows))  # fmt: skip


def gateway(rows: list[Row], processes: int) -> None:
    args = ["--processes", str(processes), "--executors", "8", "--submitters", "4"]
    command, out = run("gateway.py", *args)
    rate, cpu, mine = find(
        r"full lifecycle over HTTP\s+(\d+) processes/s; server CPU (\d+) us per process.*?"
        r"load generator (\d+) us",
        out,
    )
    rows.append(Row(
        "ColonyOS HTTP gateway (SQLite), full lifecycle",
        f"{int(rate):,}/s; server {int(cpu):,} µs CPU per process (load generator {mine} µs)",
        "≥ 2,000/s; ≤ 400 µs", command, allowed(out),
    ))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", help="postgresql://... of a database to create others from")
    parser.add_argument("--quick", action="store_true", help="small runs, to check the table")
    args = parser.parse_args()
    if args.pg and not args.pg.startswith(("postgresql://", "postgres://")):
        parser.error("--pg takes a URL: postgresql://user@host:port/database")
    scale = 10 if args.quick else 1
    started_load = os.getloadavg()[0]
    rows: list[Row] = []
    lifecycle(rows, "SQLite", 10_000 // scale, 100_000 // scale, None)
    workflow(rows, "SQLite", 10_000 // scale, None, "(for comparison)")
    if args.pg:
        with fresh_database(args.pg) as db:
            lifecycle(rows, "PostgreSQL", 6_000 // scale, 100_000 // scale, db)
        with fresh_database(args.pg) as db:
            workflow(rows, "PostgreSQL", 10_000 // scale, db, "≤ 10 s")
    else:
        print("no --pg: the PostgreSQL rows are left out", file=sys.stderr)
    gateway(rows, 5_000 // scale)
    load = os.getloadavg()[0]
    quick = "; --quick: smaller runs, not figures to quote" if args.quick else ""
    print(f"\n{os.cpu_count()} cores, load average {started_load:.1f} at the start, "
          f"{load:.1f} at the end{quick}")  # fmt: skip
    print("\n| path | measured here | goal | this machine allows, by CPU | command |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row.path} | {row.figure} | {row.goal} | {row.allows} | `{row.command}` |")


if __name__ == "__main__":
    main()
