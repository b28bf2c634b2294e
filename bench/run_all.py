"""`make bench`: every benchmark with the data it generates, then one line per target, PASS or FAIL.

Each script prints its figures and ends with lines that start with ``PASS``, ``FAIL`` or ``SKIP``
(a target it cannot measure here: PostgreSQL's, without DUIBIAO_BENCH_DATABASE_URL); this runs them
one after another, passes their output through, and repeats those lines at the end. The lists run
on SQLite and, when DUIBIAO_BENCH_DATABASE_URL is set, on PostgreSQL as well. A script that is not
there yet is skipped; one that fails without a verdict counts as FAIL. Exit status 1 when a target
is missed.

    .venv/bin/python bench/run_all.py [--quick] [--only throughput,lists]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERDICTS = ("PASS", "FAIL", "SKIP")


def plan(quick: bool) -> list[tuple[str, list[str], dict]]:
    """(script, arguments, environment changes) in the order they run."""
    no_pg = {"DUIBIAO_BENCH_DATABASE_URL": None}
    with_pg = os.environ.get("DUIBIAO_BENCH_DATABASE_URL")
    runs = [
        ("vetting_cost.py", ["--n", "100"] if quick else [], {}),
        ("loop_cost.py", [], {}),  # flat history (issue 15): the return loop's cost
        ("timers.py", ["--waiting", "3000", "--due", "300"] if quick else [], {}),
        ("lists.py", ["--repeat", "10"] if quick else [], no_pg),
        ("exports.py", ["--rows", "20000"] if quick else [], {}),  # 导出 of 100k rows (issue 17)
    ]
    if with_pg:
        runs.append(("lists.py", ["--repeat", "10"] if quick else [], {}))
    runs.append(("throughput.py", ["--seconds", "10"] if quick else [], {}))
    return runs


def run(script: str, arguments: list[str], changes: dict) -> list[str]:
    """Run one script (its output passed through); its verdict lines."""
    path = HERE / script
    if not path.exists():
        return [f"SKIP {script}: not there yet"]
    env = {key: value for key, value in {**os.environ, **changes}.items() if value is not None}
    print(f"\n=== {script} {' '.join(arguments)}".rstrip(), flush=True)
    process = subprocess.Popen([sys.executable, str(path), *arguments], env=env, stdout=subprocess.PIPE,
                               text=True, bufsize=1)
    verdicts = []
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith(VERDICTS):
            verdicts.append(line.rstrip("\n"))
    process.wait()
    if not verdicts:
        verdicts.append(f"FAIL {script}: exit status {process.returncode} and no verdict")
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, to try things out")
    parser.add_argument("--only", default="", help="comma-separated script names (without .py)")
    options = parser.parse_args(argv)
    wanted = {name.strip() + ".py" for name in options.only.split(",") if name.strip()}
    started = time.perf_counter()
    lines = []
    for script, arguments, changes in plan(options.quick):
        if not wanted or script in wanted:
            lines.extend(run(script, arguments, changes))
    counts = {verdict: sum(line.startswith(verdict) for line in lines) for verdict in VERDICTS}
    print(f"\n=== summary ({time.perf_counter() - started:.0f} s): {counts['PASS']} met, {counts['FAIL']} missed, "
          f"{counts['SKIP']} not measured")
    print("\n".join(lines))
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
