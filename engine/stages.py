"""Words for the engine status of an instance (running, waiting …).

A business stage and its words are the BPMN's (stage and stageLabel properties), never Python's."""
from __future__ import annotations

from engine.text import N_

STATUS_LABELS: dict[str, str] = {
    "running": N_("进行中"),
    "waiting": N_("等待中"),
    "completed": N_("已完成"),
    "cancelled": N_("已取消"),
    "error": N_("出错"),
    "suspended": N_("已挂起"),
}


def status_label(code: str | None) -> str:
    return STATUS_LABELS.get(code or "", code or "")
