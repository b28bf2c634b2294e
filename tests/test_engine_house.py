"""The engine adapter imports nothing from the business domain: the service registry is filled at
start-up (app factory, CLI, tests), so runtime, services and domain form no import circle."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADAPTER = ("runtime", "definitions", "serializer", "projection", "scripting", "expressions", "expression_limits",
           "timers", "validation", "history", "bpmn", "clock", "guards", "text", "inbox", "bpmn_messages")
SERVICE_MODULES = tuple(f"engine.services.{path.stem}" for path in (ROOT / "engine" / "services").glob("*.py")
                        if path.stem != "__init__")
DOMAIN = ("engine.domain", *SERVICE_MODULES, "forms", "webapp", "demodata")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_adapter_imports_nothing_from_the_domain():
    found = {module: sorted(name for name in imported(ROOT / "engine" / f"{module}.py")
                            if name.startswith(DOMAIN) or name in ("engine.domain", "engine.services.load_all"))
             for module in ADAPTER}
    assert {module: names for module, names in found.items() if names} == {}


def test_the_registry_module_loads_the_services_only_when_asked():
    tree = ast.parse((ROOT / "engine" / "services" / "__init__.py").read_text(encoding="utf-8"))
    top_level = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert not [node for node in top_level if (getattr(node, "module", "") or "").startswith(("engine.domain",
                                                                                            "engine.services"))]
