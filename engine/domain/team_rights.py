"""单位成员的权限: what each person of an organisation may do, checked on the server in one place.

Everything an organisation owns (tasks, lists, messages, files) is visible to all its people: the
``view`` right, which every enabled person holds. Acting needs more:

- ``submit`` (提交和修改): start and change the organisation's work — act on the tasks of the processes
  it started (补正, 修改后重新提交 …) — and every other state-changing request of its pages and the API;
- ``review`` (办理评审): act on the tasks addressed to the organisation in processes another started (an
  institution's 评价 of an enterprise's application, …);
- ``admin`` (管理): 单位成员 — invite, change rights, 停用 / 启用 (the office: 系统管理 → 账号管理).

The office's own review pool (tasks with no organisation) is governed by roles, as before. A person's own
account (修改密码, API 令牌, 退出) never needs a right.
"""
from __future__ import annotations

from engine.projection import APPLICANT_LANE
from engine.text import N_
from storage.models import HumanTask, User

VIEW, SUBMIT, REVIEW, ADMIN = "view", "submit", "review", "admin"
RIGHTS = (VIEW, SUBMIT, REVIEW, ADMIN)
ALL_RIGHTS = " ".join(RIGHTS)
RIGHT_LABELS = {VIEW: N_("查看"), SUBMIT: N_("提交和修改"), REVIEW: N_("办理评审"), ADMIN: N_("管理")}
OFFICE_ROLES = ("office", "designer", "operator")

# Requests that change only the person's own account, or that nobody is logged in for.
OWN_ACCOUNT_ENDPOINTS = frozenset({
    "auth.login", "auth.logout", "account.password", "account.message_list", "api_tokens.index",
    "api_tokens.revoke", "api.create_token", "invitation.accept",
})
# Task forms: the right needed depends on the task's lane (task_right).
TASK_ENDPOINTS = frozenset({"tasks.show", "api.complete_task", "api.save_task_draft"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def normalized(rights) -> str:
    """Known rights in their order, ``view`` always among them (a person sees the organisation's work)."""
    chosen = set(rights.split() if isinstance(rights, str) else rights or ())
    return " ".join(right for right in RIGHTS if right == VIEW or right in chosen)


def has_right(user: User, right: str) -> bool:
    return bool(user.is_enabled) and right in user.right_set


def is_administrator(user: User) -> bool:
    return has_right(user, ADMIN)


def task_right(task: HumanTask) -> str | None:
    """The right acting on ``task`` needs: none for the office's pool and tasks handed to one person
    (roles and the operator's 转办 decide); submit for the organisation's own processes (the applicant
    lane, or a lane of the organisation that started the instance); review for one addressed to it."""
    if task.organization_id is None or task.assignee_id is not None:
        return None
    own = task.role == APPLICANT_LANE or task.instance.started_by_org_id == task.organization_id
    return SUBMIT if own else REVIEW


def may_act_on_task(user: User, task: HumanTask) -> bool:
    right = task_right(task)
    return right is None or has_right(user, right)


def request_right(endpoint: str | None, method: str) -> str | None:
    """The right a request needs before its view runs (None: none beyond being logged in; task forms are
    checked against their task by may_act_on_task)."""
    if method in SAFE_METHODS or endpoint is None or endpoint in OWN_ACCOUNT_ENDPOINTS \
            or endpoint in TASK_ENDPOINTS:
        return None
    if endpoint.startswith(("teams.", "staff.")):
        return ADMIN
    return SUBMIT


def refusal(user: User, right: str | None) -> str | None:
    """The message refusing ``user`` a request that needs ``right`` (None: allowed)."""
    if right is None or has_right(user, right):
        return None
    return N_("您没有“%(right)s”权限，请联系本单位管理员", right=RIGHT_LABELS[right])
