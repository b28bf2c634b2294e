"""The scenario files: ``workflows/scenarios/<process>/*.yaml``, read into Scenario and Step.

A scenario names the process it tests, the starter that makes its subject (``given``) and the
steps: user tasks to complete with what data, withdrawals, 修订意见, moves of the clock, and what
to expect after each. A file that cannot be read becomes a Scenario carrying its problem, so a
typo shows as a failed scenario on the page, never as a crash.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import yaml

from engine import clock
from engine.text import N_, Text, listing

STEP_KINDS = ("complete", "withdraw", "comment", "clock", "expect")
STEP_OPTIONS = {"complete": {"as", "with"}, "withdraw": {"as"}, "comment": {"as"}, "clock": set(),
                "expect": set()}
EXPECT_KEYS = ("tasks", "stage", "stage_label", "status", "subject_status", "reached")
STATUSES = ("running", "waiting", "completed", "cancelled", "error")


class FormatError(Exception):
    def __init__(self, message: Text):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Step:
    kind: str  # one of STEP_KINDS
    value: object  # the task name, the comment text, the duration, the expectations
    actor: str | None = None  # ``as``: a role of the scenario's world
    data: dict = field(default_factory=dict)  # ``with``: form fields

    def describe(self) -> Text:
        """The step as the page lists it."""
        who = N_("（%(actor)s）", actor=self.actor) if self.actor else ""
        if self.kind == "complete":
            return N_("办理「%(task)s」%(who)s", task=self.value, who=who)
        if self.kind == "withdraw":
            return N_("撤回「%(task)s」%(who)s", task=self.value, who=who)
        if self.kind == "comment":
            return N_("提出修订意见%(who)s", who=who)
        if self.kind == "clock":
            return N_("时间前进 %(duration)s 并触发到期的定时器", duration=self.value)
        parts = "，".join(f"{key}={_shown(value)}" for key, value in self.value.items())
        return N_("检查 %(parts)s", parts=parts)


def _shown(value) -> str:
    return "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)


@dataclass(frozen=True)
class Scenario:
    name: str
    file: str  # the file's path as given (shown on the page)
    process: str
    given: str
    steps: tuple[Step, ...] = ()
    problem: Text | None = None  # set when the file could not be read


def shipped_root() -> Path:
    """``workflows/scenarios`` of the installed package."""
    return Path(str(files("workflows") / "scenarios"))


def roots(root: str | Path | None = None, workflows_dir: str | Path | None = None) -> list[Path]:
    """Where scenarios are read from, later folders first to win: ``root`` alone when given, else the
    shipped folder and then ``<workflows_dir>/scenarios`` (DUIBIAO_WORKFLOWS_DIR: a designer's files
    replace shipped files of the same name, as its BPMN files do)."""
    if root is not None:
        return [Path(root)]
    found = [shipped_root()]
    if workflows_dir:
        found.append(Path(workflows_dir) / "scenarios")
    return found


def scenario_files(process_key: str, folders: list[Path]) -> list[Path]:
    chosen: dict[str, Path] = {}
    for folder in folders:
        for path in sorted((folder / process_key).glob("*.y*ml")):
            chosen[path.name] = path
    return [chosen[name] for name in sorted(chosen)]


def process_keys(folders: list[Path]) -> list[str]:
    return sorted({path.name for folder in folders if folder.is_dir() for path in folder.iterdir()
                   if path.is_dir() and not path.name.startswith((".", "_"))})


def load_file(path: Path, process_key: str) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        return Scenario(path.stem, str(path), process_key, process_key,
                        problem=N_("场景文件无法读取：%(error)s", error=str(exc)))
    return load_text(text, str(path), process_key)


def load_text(text: str, file: str, process_key: str | None) -> Scenario:
    """A scenario from its YAML (``process_key`` None: whatever process it names)."""
    stem = Path(file).stem
    try:
        return parse(yaml.safe_load(text), file, process_key)
    except FormatError as exc:
        return Scenario(stem, file, process_key or "", process_key or "", problem=exc.message)
    except yaml.YAMLError as exc:
        return Scenario(stem, file, process_key or "", process_key or "",
                        problem=N_("场景文件无法读取：%(error)s", error=str(exc)))


def parse(document, file: str, process_key: str | None) -> Scenario:
    if not isinstance(document, dict):
        raise FormatError(N_("场景文件应为一个 YAML 映射（name、given、steps）"))
    unknown = set(document) - {"name", "process", "given", "steps"}
    if unknown:
        raise FormatError(N_("场景文件有未知的键：%(keys)s", keys=listing(sorted(map(str, unknown)))))
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FormatError(N_("场景缺少名称（name）"))
    process = document.get("process", process_key) or ""  # unknown when read outside its folder
    if not isinstance(process, str):
        raise FormatError(N_("process 应为流程的标识"))
    if process_key is not None and process != process_key:
        raise FormatError(N_("场景写的流程 %(written)s 与所在目录 %(folder)s 不一致", written=process,
                             folder=process_key))
    given = document.get("given", process)
    if not isinstance(given, str):
        raise FormatError(N_("given 应为起点的名称"))
    steps = document.get("steps")
    if not isinstance(steps, list) or not steps:
        raise FormatError(N_("场景缺少步骤（steps）"))
    return Scenario(name.strip(), file, process, given,
                    tuple(_step(raw, number) for number, raw in enumerate(steps, start=1)))


def _step(raw, number: int) -> Step:
    if not isinstance(raw, dict):
        raise FormatError(N_("第 %(n)s 步应为一个映射，如 complete: 任务名称", n=number))
    kinds = [key for key in raw if key in STEP_KINDS]
    if len(kinds) != 1:
        raise FormatError(N_("第 %(n)s 步须有且只有一个动作（%(kinds)s）", n=number,
                             kinds=listing(STEP_KINDS)))
    kind = kinds[0]
    unknown = set(raw) - {kind} - STEP_OPTIONS[kind]
    if unknown:
        raise FormatError(N_("第 %(n)s 步有未知的键：%(keys)s", n=number,
                             keys=listing(sorted(map(str, unknown)))))
    value, data = raw[kind], raw.get("with") or {}
    if not isinstance(data, dict):
        raise FormatError(N_("第 %(n)s 步的 with 应为字段与值的映射", n=number))
    actor = raw.get("as")
    if actor is not None and not isinstance(actor, str):
        raise FormatError(N_("第 %(n)s 步的 as 应为角色名称", n=number))
    return Step(kind, _checked_value(kind, value, number), actor, dict(data))


def _checked_value(kind: str, value, number: int):
    if kind == "expect":
        if not isinstance(value, dict) or not value:
            raise FormatError(N_("第 %(n)s 步的 expect 应为映射（%(keys)s）", n=number, keys=listing(EXPECT_KEYS)))
        unknown = set(value) - set(EXPECT_KEYS)
        if unknown:
            raise FormatError(N_("第 %(n)s 步的 expect 有未知的键：%(keys)s（可用：%(known)s）", n=number,
                                 keys=listing(sorted(map(str, unknown))), known=listing(EXPECT_KEYS)))
        for key in ("tasks", "reached"):
            if key in value and not isinstance(value[key], list):
                raise FormatError(N_("第 %(n)s 步的 %(key)s 应为列表", n=number, key=key))
        if "status" in value and value["status"] not in STATUSES:
            raise FormatError(N_("第 %(n)s 步的 status 应为 %(known)s 之一", n=number, known=listing(STATUSES)))
        return dict(value)
    if kind == "clock":
        try:
            clock.parse_duration(str(value))
        except ValueError as exc:
            raise FormatError(N_("第 %(n)s 步的 clock 应为 ISO 8601 时长，如 P8D", n=number)) from exc
        return str(value).strip().upper()
    if not isinstance(value, str) or not value.strip():
        raise FormatError(N_("第 %(n)s 步的 %(kind)s 应为文字", n=number, kind=kind))
    return value.strip()
