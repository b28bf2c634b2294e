"""The console's instance detail in words users understand: the history as sentences (who did what,
when, the decision and its reason) and the process data under Chinese labels.

No raw keys reach the page: a summary key or a data key without a label here is left out (ids that
have a sensible name are shown under 其他).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock, history
from engine.domain.operations import role_label
from forms.generic_tasks import DECISION_WORDS
from storage.models import OperatorAction, Organization, Plan, User

# Data keys holding an organisation id, a plan id: shown by name.
ORGANIZATION_KEYS = {"institution_org_id": _l("第三方技术机构"), "enterprise_org_id": _l("企业")}
PLAN_KEYS = {"plan_id": _l("对标方案")}
VALUE_KEYS = {"decision": _l("最近的办理结果"), "recruit_type": _l("招募对象"), "application_id": _l("申请编号")}
# Values nested in a service task's result: (result key, field) → label.
NESTED_KEYS = {("certificate_result", "number"): _l("证书编号"), ("evaluation_result", "conclusion"): _l("评价结论"),
               ("publication_result", "outcome"): _l("公示结果"), ("close_result", "comment_count"): _l("收到意见数"),
               ("open_result", "duration"): _l("公示期")}
# Record numbers people may quote when asking about a case: shown under 其他.
OTHER_KEYS = {"submission_id": _l("提交记录编号"), "enrollment_id": _l("报名编号"), "evaluation_id": _l("评价编号"),
              "declaration_id": _l("自我声明编号")}
VALUE_WORDS = {"pass": _l("通过"), "fail": _l("不通过"), "published": _l("已发布"), "revise": _l("需修改")}
# 运维操作 (operator_action.action) as the history tells them.
OPERATOR_WORDS = {"suspend": _l("挂起流程"), "resume": _l("恢复流程"), "cancel": _l("取消流程"),
                  "retry": _l("重试出错的环节"), "fire_timer": _l("立即触发定时器"),
                  "migrate": _l("迁移到当前版本"), "reassign": _l("转办任务")}
SUMMARY_WORDS = {"conclusion": _l("评价结论"), "comment_count": _l("意见数"), "number": _l("证书编号")}


@dataclass
class HistoryLine:
    at: datetime
    kind: str
    text: str
    actor: str = ""
    reason: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, value) of known summary keys


@dataclass
class DataRow:
    label: str
    value: str


def _value(value) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str) and value in VALUE_WORDS:
        return str(VALUE_WORDS[value])
    if isinstance(value, str) and value in DECISION_WORDS:
        return str(DECISION_WORDS[value])
    if isinstance(value, str) and value.startswith("P") and value[1:2].isdigit():
        return _duration(value)
    return str(value)


def _duration(text: str) -> str:
    try:
        delta = clock.parse_duration(text)
    except ValueError:
        return text
    return _("%(days)s 天", days=delta.days) if not delta.seconds else _("%(hours)s 小时", hours=int(
        delta.total_seconds() // 3600))


def history_lines(rows, stage_labels: dict[str, str]) -> list[HistoryLine]:
    """One sentence per audit row (operations.EventRow: event, actor, task title), oldest first."""
    return [_line(row, stage_labels) for row in rows]


def _line(row, stage_labels: dict[str, str]) -> HistoryLine:
    event, actor = row.event, row.actor or ""
    title = _task_words(event.title or row.task_title or event.task_name or "")
    summary = event.summary or {}
    if event.kind == "started":
        text = _("启动流程（第 %(version)s 版）", version=summary.get("version", "?"))
    elif event.kind == "task_completed":
        decision = DECISION_WORDS.get(event.decision) if event.decision else None
        text = _("办理「%(task)s」：%(decision)s", task=title, decision=decision) if decision \
            else _("办理「%(task)s」：已提交", task=title)
    elif event.kind == history.WITHDRAWN:
        text = _("撤回「%(task)s」", task=title)
    elif event.kind == "message":
        text = _("流程收到消息")
    elif event.kind == "timer":
        text = _("定时器到期，流程继续")
    elif event.kind == "completed":
        stage = summary.get("stage")
        text = _("流程结束：%(stage)s", stage=_task_words(stage_labels.get(stage, ""))) if stage_labels.get(stage) \
            else _("流程结束")
    else:
        text = _("流程记录")
    details = [(str(SUMMARY_WORDS[key]), _value(value)) for key, value in summary.items()
               if key in SUMMARY_WORDS and value is not None]
    return HistoryLine(event.created_at, event.kind, text, actor, (event.reason or "").strip(), details)


def operator_lines(session: Session, instance_id: int) -> list[HistoryLine]:
    """运维操作 on the instance (who, what, why, when), for the history beside the engine's rows."""
    rows = session.execute(select(OperatorAction, User.email).outerjoin(User, User.id == OperatorAction.actor_id)
                           .where(OperatorAction.instance_id == instance_id)
                           .order_by(OperatorAction.created_at, OperatorAction.id)).all()
    lines = []
    for action, email in rows:
        details = action.details or {}
        text = str(OPERATOR_WORDS.get(action.action, _l("运维操作")))
        if action.action == "migrate" and details.get("from_version") and details.get("to_version"):
            text = _("从第 %(old)s 版迁移到第 %(new)s 版", old=details["from_version"], new=details["to_version"])
        lines.append(HistoryLine(action.created_at, "operator", text, email or "", (action.reason or "").strip()))
    return lines


def merged_history(engine_lines: list[HistoryLine], operator: list[HistoryLine]) -> list[HistoryLine]:
    """Both histories in time order; an operator's action comes before the engine rows it caused (written
    a moment earlier in the same request, so within the same second)."""
    def order(line: HistoryLine):
        return line.at.replace(microsecond=0), 0 if line.kind == "operator" else 1, line.at

    return sorted([*engine_lines, *operator], key=order)


def _task_words(words: str) -> str:
    from engine.text import Text  # a BPMN name in the reader's language (as the bpmn_text filter)
    return Text(words).localized() if words else ""


def process_data(session: Session, data: dict) -> tuple[list[DataRow], list[DataRow], int]:
    """(labelled rows, 其他 rows, how many values were left out) of an instance's process data."""
    shown, other, used = [], [], set()
    organizations = _names(session, Organization, {data[k] for k in ORGANIZATION_KEYS if _is_id(data.get(k))})
    plans = _names(session, Plan, {data[k] for k in PLAN_KEYS if _is_id(data.get(k))})
    for key, label in ORGANIZATION_KEYS.items():
        if _is_id(data.get(key)):
            shown.append(DataRow(str(label), organizations.get(int(data[key]), f"#{data[key]}")))
            used.add(key)
    for key, label in PLAN_KEYS.items():
        if _is_id(data.get(key)):
            shown.append(DataRow(str(label), plans.get(int(data[key]), f"#{data[key]}")))
            used.add(key)
    for key, label in VALUE_KEYS.items():
        if data.get(key) not in (None, ""):
            value = role_label(data[key]) if key == "recruit_type" else _value(data[key])
            shown.append(DataRow(str(label), str(value)))
            used.add(key)
    for (key, part), label in NESTED_KEYS.items():
        nested = data.get(key)
        if isinstance(nested, dict) and nested.get(part) not in (None, ""):
            shown.append(DataRow(str(label), _value(nested[part])))
    for key, label in OTHER_KEYS.items():
        if _is_id(data.get(key)):
            other.append(DataRow(str(label), str(data[key])))
            used.add(key)
    hidden = len([key for key in data if key not in used and not key.endswith("_result")])
    return shown, other, hidden


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) or isinstance(value, str) and value.isdigit()


def _names(session: Session, model, ids) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_({int(i) for i in ids}))).all())
