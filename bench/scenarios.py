"""What the designer's checks cost: building the scenario sandbox, running every shipped scenario, and
one draft's 场景测试 (validation + its process's scenarios) — the wait behind 场景测试 and 部署.

Run with ``.venv/bin/python bench/scenarios.py [--rounds 3]``. Prints figures, always exits 0.
"""
from __future__ import annotations

import argparse
import statistics
import time

import workflows
from engine import definitions, services
from forms import scenarios, workspace
from storage import migrate
from storage.db import make_engine, make_session_factory


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    services.load_all()
    build = [timed(lambda: scenarios.Sandbox().close()) for _ in range(rounds)]
    results: dict = {}
    run_all = [timed(lambda: results.update(scenarios.run_all())) for _ in range(rounds)]
    count = sum(len(found) for found in results.values())
    failed = sum(not r.passed for found in results.values() for r in found)

    engine = make_engine("sqlite://")
    migrate.upgrade(engine)
    session = make_session_factory(engine)()
    definitions.deploy_documents(session, workflows.bpmn_files())
    session.commit()
    draft = dict(workflows.bpmn_files())["formal_plan.bpmn"].decode()
    check = [timed(lambda: workspace.check(session, "formal_plan", draft)) for _ in range(rounds)]
    print(f"sandbox base (schema + 8 processes + world):  median {statistics.median(build):.2f} s")
    print(f"all shipped scenarios ({count}, {failed} failed):  median {statistics.median(run_all):.2f} s "
          f"({statistics.median(run_all) / count * 1000:.0f} ms each)")
    print(f"one draft's check (formal_plan: validation + 5 scenarios):  median {statistics.median(check):.2f} s")


if __name__ == "__main__":
    main()
