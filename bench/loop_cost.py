"""What one completion costs after many passes through a return-for-revision loop (flat history).

Run with ``.venv/bin/python bench/loop_cost.py [--passes 500] [--sample 20] [--whole] [--profile]``.

One registration (workflows/registration_vetting.bpmn) goes round its return loop: the office's
``vet_registration`` completed with 退回修改, then the applicant's ``correct_registration`` resubmitted,
each through ``engine.runtime.complete_task`` and committed (the engine part of a request: load, domain
rows, engine step, save, inbox projection, audit rows). Before pass 0, 100, 200 and 500 (those below
``--passes``) the next ``--sample`` passes are timed, and the median time per completion (wall clock,
and this process's CPU time: the target is judged on CPU time, which other processes on a shared
machine move far less; the wall clock includes the database server's work too), the saved state's
size and the number of tasks in it are printed. Then the office approves and the instance
must complete.

``--whole`` saves whole task trees (engine.pruning switched off): the cost before flat history (it
grows with every pass; keep ``--passes`` at 200 or less then, the run is quadratic).

Set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… to run on PostgreSQL (a new database beside
that one, dropped afterwards); SQLite in a temporary file otherwise. Prints figures; exits 0 when the
instance completed and the cost at pass 200 is at most 2× that at pass 0 (the issue's target), 1
otherwise.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.factories lives beside the installed packages

from sqlalchemy import select  # noqa: E402

from bench.scratch_db import drop_database, scratch_database  # noqa: E402
from engine import definitions, pruning, runtime, serializer, services  # noqa: E402
from engine.domain import registration  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.models import HumanTask, ProcessInstance  # noqa: E402
from tests.factories import office_user, registered  # noqa: E402

MARKS = (0, 100, 200, 500)
TARGET_RATIO = 2.0  # cost at pass 200 / cost at pass 0


class Loop:
    """One registration and the two people who send it round."""

    def __init__(self, session, folder: Path):
        import workflows

        self.session = session
        definitions.deploy_documents(session, workflows.bpmn_files())
        self.office = office_user(session)
        self.user, instance = registered(session, folder)
        session.commit()
        self.instance_id = instance.id
        self.fields = {k: getattr(self.user.organization, k) for k in registration.REGISTRATION_FIELDS}

    def _complete(self, actor_id: int, apply) -> None:
        task = self.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == self.instance_id, HumanTask.state == "ready")).one()
        runtime.complete_task(self.session, task, actor_id, apply)
        self.session.commit()

    def one_pass(self) -> list[tuple[float, float]]:
        """Return, resubmit: the seconds each completion took (wall clock, this process's CPU)."""
        seconds = []
        for actor_id, apply in (
                (self.office.id, lambda ctx: registration.decide(ctx, "return", "再改")),
                (self.user.id, lambda ctx: registration.resubmit(ctx, self.fields, registration.Documents()))):
            started, cpu = time.perf_counter(), time.process_time()
            self._complete(actor_id, apply)
            seconds.append((time.perf_counter() - started, time.process_time() - cpu))
        return seconds

    def approve(self) -> ProcessInstance:
        self._complete(self.office.id, lambda ctx: registration.decide(ctx, "approve", ""))
        return self.session.get(ProcessInstance, self.instance_id)

    def shape(self) -> tuple[int, int]:
        instance = self.session.get(ProcessInstance, self.instance_id)
        spec, subprocess_specs = definitions.specs_for(self.session, instance.definition)
        workflow = serializer.loads(instance.state, spec, subprocess_specs)
        return len(instance.state), sum(len(wf.tasks) for wf in (workflow, *workflow.subprocesses.values()))


def run(factory, folder: Path, passes: int, sample: int, profiler) -> tuple[dict[int, tuple], str]:
    """Median wall and CPU ms per completion, state bytes and tasks at each mark; the final status."""
    figures = {}
    with factory() as session:
        loop = Loop(session, folder)
        done = 0
        for mark in [m for m in MARKS if m <= passes]:
            while done < mark:
                loop.one_pass()
                done += 1
            size, tasks = loop.shape()
            seconds = [s for _ in range(sample) for s in loop.one_pass()]
            done += sample
            wall, cpu = (statistics.median(column) * 1000 for column in zip(*seconds, strict=True))
            figures[mark] = (wall, cpu, size, tasks)
            print(f"  pass {mark:4d}: {wall:7.1f} ms wall, {cpu:6.1f} ms CPU per completion; state "
                  f"{size / 1024:7.1f} KB, {tasks:5d} tasks", flush=True)
        if profiler:  # after the marks: the profiler's overhead stays out of the figures
            profiler.enable()
            for _ in range(sample):
                loop.one_pass()
            profiler.disable()
        status = loop.approve().status
    return figures, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=500)
    parser.add_argument("--sample", type=int, default=20, help="passes timed at each mark")
    parser.add_argument("--whole", action="store_true", help="save whole task trees (before flat history)")
    parser.add_argument("--profile", action="store_true", help="profile --sample more passes at the end (cProfile)")
    options = parser.parse_args()
    services.load_all()
    url = os.environ.get("DUIBIAO_BENCH_DATABASE_URL")
    profiler = cProfile.Profile() if options.profile else None
    with tempfile.TemporaryDirectory() as folder:
        bench_url = scratch_database(url, "bench_loop") if url else f"sqlite:///{folder}/bench.db"
        engine = make_engine(bench_url)
        try:
            migrate.upgrade(engine)
            print(f"{engine.dialect.name}: registration return loop, {options.passes} passes"
                  f"{' (whole trees saved)' if options.whole else ''}; load {os.getloadavg()[0]:.2f}")
            with pruning.disabled() if options.whole else contextlib.nullcontext():
                figures, status = run(make_session_factory(engine), Path(folder), options.passes, options.sample,
                                      profiler)
        finally:
            engine.dispose()
            if url:
                drop_database(url, bench_url)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"(engine|storage|SpiffWorkflow)/", 25)
    problems = [] if status == "completed" else [f"the instance is {status} after the approval, not completed"]
    for problem in problems:
        print(f"WRONG: {problem}")
    if 200 not in figures:
        print(f"FAIL loop_cost: pass 200 not reached (--passes {options.passes})")
        return 1
    wall_ratio, ratio = (figures[200][column] / figures[0][column] for column in (0, 1))
    met = not problems and ratio <= TARGET_RATIO
    print(f"{'PASS' if met else 'FAIL'} loop_cost: a completion at pass 200 costs {ratio:.2f}× the CPU of one at "
          f"pass 0 ({figures[200][1]:.1f} vs {figures[0][1]:.1f} ms; wall clock {wall_ratio:.2f}×; "
          f"target ≤ {TARGET_RATIO:.0f}×)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
