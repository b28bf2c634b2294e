"""The one table of business stages: BPMN elements carry the code, users see the label."""
from __future__ import annotations

STAGE_LABELS: dict[str, str] = {
    # registration_vetting
    "vetting": "待审核",
    "returned": "已退回",
    "withdrawn": "已撤回",
    "approved": "审核通过",
    "rejected": "不予通过",
}

STATUS_LABELS: dict[str, str] = {
    "running": "进行中",
    "waiting": "等待中",
    "completed": "已完成",
    "cancelled": "已取消",
    "error": "出错",
    "suspended": "已挂起",
}


def stage_label(code: str | None) -> str:
    if not code:
        return ""
    return STAGE_LABELS.get(code, code)


def status_label(code: str | None) -> str:
    return STATUS_LABELS.get(code or "", code or "")
