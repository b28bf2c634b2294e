"""Instructions per vetting completion, counted by valgrind: a figure the machine's load does not move.

Run with ``.venv/bin/python bench/instructions.py [--n 30] [--what sqlite,postgresql,bare]`` (not part of
``make bench``: valgrind slows Python down ~50×, a run takes a minute or two). Needs Debian's ``valgrind``.

The wall-clock ratio of ``bench/vetting_cost.py`` moves by ±15 % on this VM from one run to the next, more
than most single changes do. This counts, for the same step (the office's ``vet_registration`` completed with
"return", one instance per completion), the user-space instructions of the whole process — Python, SQLite's
or psycopg's C code — under ``valgrind --tool=callgrind``: instrumentation is switched on after the set-up
(``callgrind_control -i on``), and only what runs inside one ``functools.reduce`` call, which drives the ``--n``
completions, is collected (``--toggle-collect=functools_reduce``). The same commit gives the same count to
within ≈ 0.1 % (for the same ``--n``).

Read the figures with docs/performance.md ("Issue 15, fourth round"): the API step executes ≈ 1.5× the bare
cycle's instructions but takes ≈ 3× its time — instructions are a steady yardstick for a change, not the
ratio itself.

Set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… for ``postgresql`` (a schema of its own, dropped after).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHAT = ("sqlite", "postgresql", "bare")


def measured_child(what: str, n: int) -> None:
    """Inside valgrind: set up, warm up, switch instrumentation on, then ``n`` completions in one reduce."""
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import vetting_cost as vc

    logging.getLogger("duibiao").setLevel(logging.ERROR)
    with contextlib.ExitStack() as stack:
        if what == "bare":
            step = vc.bare_setup().step
        else:
            url = None
            if what == "postgresql":
                url = stack.enter_context(vc.postgres_schema(os.environ["DUIBIAO_BENCH_DATABASE_URL"]))
            platform = stack.enter_context(vc.platform(url, n + 25))
            pending = iter(platform.task_ids)

            def step():
                return platform.complete(next(pending))
        for _ in range(20):
            step()
        subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
        for _ in range(3):  # the first steps after instrumentation starts, not counted
            step()
        functools.reduce(lambda kept, _: step() and kept, range(n), 0)
        subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)


def count(what: str, n: int) -> float:
    """Millions of instructions per step, from callgrind's summary."""
    with tempfile.TemporaryDirectory(prefix="duibiao-instructions-") as tmp:
        log = Path(tmp) / "callgrind.log"
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
             "--toggle-collect=functools_reduce", f"--callgrind-out-file={tmp}/callgrind.out",
             f"--log-file={log}", sys.executable, __file__, "--child", what, "--n", str(n)],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        found = re.search(r"Collected : ([\d,]+)", log.read_text())
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's log for {what}")
    return int(found.group(1).replace(",", "")) / n / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="counted steps of each (default 30)")
    parser.add_argument("--what", default=",".join(WHAT), help="comma-separated: " + ", ".join(WHAT))
    parser.add_argument("--child", choices=WHAT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        measured_child(args.child, args.n)
        return 0
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("SKIP instructions: valgrind is not installed (apt-get install valgrind)")
        return 0
    wanted = [w.strip() for w in args.what.split(",") if w.strip() in WHAT]
    if "postgresql" in wanted and not os.environ.get("DUIBIAO_BENCH_DATABASE_URL"):
        print("SKIP postgresql: set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://…")
        wanted.remove("postgresql")
    figures = {what: count(what, args.n) for what in wanted}
    for what, millions in figures.items():
        bare = figures.get("bare") if what != "bare" else None
        relative = f"  ({millions / bare:.2f}× the bare cycle)" if bare else ""
        print(f"{what:>10}: {millions:6.2f} M instructions per step{relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
