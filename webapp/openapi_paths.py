"""The paths of the OpenAPI document: every /api/v1 route (and /healthz), with its answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.openapi_doc import form_request, ref

JSON = "application/json"
ERROR_TEXT = {
    400: _l("请求无效"),
    401: _l("缺少或无效的访问令牌（已吊销或已过期的令牌同样被拒绝）"),
    403: _l("无权操作"),
    404: _l("不存在"),
    409: _l("任务已被处理"),
    422: _l("输入有误：{errors: {字段: [消息]}}"),
    429: _l("请求过于频繁（见 Retry-After 头）"),
}
ERROR_SCHEMA = {409: "AlreadyHandled", 422: "Errors"}


def _answer(description: str, schema: str | None) -> dict:
    answer: dict = {"description": description}
    if schema:
        answer["content"] = {JSON: {"schema": ref(schema)}}
    return answer


def _errors(codes) -> dict:
    answers = {str(code): _answer(ERROR_TEXT[code], ERROR_SCHEMA.get(code, "Error")) for code in codes}
    if 429 in codes:
        answers["429"]["headers"] = {"Retry-After": {"description": _l("几秒后可再试"), "schema": {"type": "integer"}}}
    if 401 in codes:
        answers["401"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return answers


def operation(
    op_id: str,
    summary: str,
    tag: str,
    ok: tuple,
    errors=(401, 403, 429),
    *,
    params=(),
    body: dict | None = None,
    public: bool = False,
    description: str = "",
) -> dict:
    """One operation; ``ok`` is (status, description, schema name or None)."""
    status, text, schema = ok
    found = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "responses": {str(status): _answer(text, schema), **_errors(errors)},
    }
    if description:
        found["description"] = description
    if params:
        found["parameters"] = list(params)
    if body is not None:
        found["requestBody"] = body
    if public:
        found["security"] = []
    return found


def path_id(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1},
    }


def query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def json_body(schema: str, description: str = "") -> dict:
    return {"required": True, "description": description, "content": {JSON: {"schema": ref(schema)}}}


PAGE = query("page", _l("页码，从 1 开始"), {"type": "integer", "minimum": 1, "default": 1})
TASK_ID, INSTANCE_ID = path_id("task_id", _l("任务 id")), path_id("instance_id", _l("流程实例 id"))
PLAN_ID = path_id("plan_id", _l("对标方案 id"))
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": _l("可选，1 至 255 个可见 ASCII 字符（建议每次办理生成一个 UUID）。同一用户用同一键重发同一请求"
    "（如超时后重试），24 小时内返回第一次的应答（状态码与正文相同，另带 Idempotent-Replayed: true 头），"
    "任务不会被办理两次；同一键用于内容不同的请求返回 422（code: idempotency_key_reused）。"
    "只有办理成功的请求被记住：422、409 等未改变任何数据的应答可用同一键重试。"),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def paths(task_forms: list[str], statuses: list[str], actions: list[str]) -> dict:
    return {**_system_paths(), **_task_paths(task_forms), **_compliance_paths(), **_operator_paths(statuses, actions)}


def _system_paths() -> dict:
    return {
        "/healthz": {
            "get": operation("healthz", _l("健康检查（数据库可用）"),
                             _l("系统"), (200, _l("正常"), "Health"), (), public=True)
        },
        "/api/v1/openapi.json": {
            "get": operation("openapi", _l("本文档（OpenAPI 3.1）"),
                             _l("系统"), (200, _l("OpenAPI 文档"), None), (), public=True)
        },
        "/api/v1/docs": {
            "get": operation("docs", _l("可浏览的接口文档（HTML）"),
                             _l("系统"), (200, _l("HTML 页面"), None), (), public=True)
        },
        "/api/v1/tokens": {
            "post": operation(
                "createToken",
                _l("用邮箱和密码换取访问令牌（30 天有效）"),
                _l("令牌"),
                (201, _l("新令牌"), "Token"),
                (401, 403, 429),
                body=json_body("Credentials"),
                public=True,
                description=_l("也可在 用户中心 → API 令牌 创建有名称和有效期的令牌。每个客户端地址的调用次数受限。"),
            )
        },
    }


def _task_paths(task_forms: list[str]) -> dict:
    task_body = form_request(
        task_forms, _l("按任务的 form_key 选择对应的表单（见 GET /api/v1/tasks/{task_id} 的 task.form_key 与 form）。")
    )
    return {
        "/api/v1/tasks": {
            "get": operation("listTasks", _l("我的待办"), _l("任务"), (200, _l("待办任务"), "TaskList"), params=[PAGE])
        },
        "/api/v1/tasks/{task_id}": {
            "get": operation(
                "getTask",
                _l("任务、其表单（JSON Schema）与办理所需信息"),
                _l("任务"),
                (200, _l("任务"), "TaskDetail"),
                (401, 403, 404, 409, 429),
                params=[TASK_ID],
            ),
            "post": _complete_task(task_body),
        },
        "/api/v1/tasks/{task_id}/draft": {
            "post": operation(
                "saveTaskDraft",
                _l("保存草稿（任务保持待办；仅支持草稿的表单）"),
                _l("任务"),
                (200, _l("已保存"), "DraftSaved"),
                (401, 403, 404, 409, 422, 429),
                params=[TASK_ID],
                body=task_body,
            )
        },
        "/api/v1/instances/{instance_id}": {
            "get": operation(
                "getInstance",
                _l("流程实例：状态、阶段、任务与历史"),
                _l("流程"),
                (200, _l("流程实例"), "Instance"),
                (401, 404, 429),
                params=[INSTANCE_ID],
            )
        },
    }


def _compliance_paths() -> dict:
    return {
        "/api/v1/enterprises": {
            "get": operation(
                "searchEnterprises",
                _l("按名称或统一社会信用代码查询企业（参编单位，最多 20 个）"),
                _l("单位"),
                (200, _l("企业"), "Enterprises"),
                params=[query("q", _l("名称或统一社会信用代码的一部分"))],
            )
        },
        "/api/v1/plans/{plan_id}/application-form": {
            "get": operation(
                "getApplicationForm",
                _l("申请达标的表单（含方案指标与可选机构）"),
                _l("达标"),
                (200, _l("表单"), "ApplicationFormAnswer"),
                (401, 403, 404, 429),
                params=[PLAN_ID],
            )
        },
        "/api/v1/plans/{plan_id}/applications": {
            "post": operation(
                "applyForCompliance",
                _l("申请达标（上传检测报告须用 multipart/form-data）"),
                _l("达标"),
                (201, _l("已提交，流程已开始"), "ApplicationCreated"),
                (401, 403, 404, 422, 429),
                params=[PLAN_ID],
                body=form_request(["ApplicationForm"], _l("申请达标表单。")),
            )
        },
    }


def _operator_paths(statuses: list[str], actions: list[str]) -> dict:
    action_param = {
        "name": "action",
        "in": "path",
        "required": True,
        "description": _l("运维操作"),
        "schema": {"type": "string", "enum": actions},
    }
    return {
        "/api/v1/operator/instances": {
            "get": operation(
                "operatorListInstances",
                _l("流程实例列表（运维）"),
                _l("运维"),
                (200, _l("流程实例"), "OperatorInstances"),
                params=[
                    query("process", _l("流程 key")),
                    query("status", _l("状态"), {"type": "string", "enum": statuses}),
                    query("q", _l("主题包含的文字")),
                    PAGE,
                ],
            )
        },
        "/api/v1/operator/instances/{instance_id}": {
            "get": operation(
                "operatorGetInstance",
                _l("流程实例详情（运维）：状态、阶段、任务、历史、错误"),
                _l("运维"),
                (200, _l("流程实例"), "OperatorInstanceDetail"),
                (401, 403, 404, 429),
                params=[INSTANCE_ID],
            )
        },
        "/api/v1/operator/instances/{instance_id}/{action}": {
            "post": operation(
                "operatorInstanceAction",
                _l("运维操作：暂停、恢复、终止、重试、触发定时器、迁移到最新版本"),
                _l("运维"),
                (200, _l("已执行"), "OperatorActionDone"),
                (401, 403, 404, 422, 429),
                params=[INSTANCE_ID, action_param],
                body=json_body("Reason", _l("操作原因（记入运维记录）")),
                description=_l("流程状态不允许该操作时返回 422 {errors: {reason: [原因]}}。"),
            )
        },
        "/api/v1/operator/tasks/{task_id}/reassign": {
            "post": operation(
                "operatorReassignTask",
                _l("转办任务给指定用户或单位（运维）"),
                _l("运维"),
                (200, _l("已转办"), "OperatorActionDone"),
                (401, 403, 404, 422, 429),
                params=[TASK_ID],
                body=json_body("Reassignment"),
            )
        },
    }


def _complete_task(task_body: dict) -> dict:
    found = operation(
        "completeTask",
        _l("办理任务（提交表单）"),
        _l("任务"),
        (200, _l("已办理；新产生的任务与流程状态"), "Completion"),
        (400, 401, 403, 404, 409, 422, 429),
        params=[TASK_ID, IDEMPOTENCY_KEY],
        body=task_body,
        description=_l("带 Idempotency-Key 头的请求可安全重试：见该参数的说明。400：Idempotency-Key 格式不对。"),
    )
    found["responses"]["200"]["headers"] = {
        "Idempotent-Replayed": {"description": _l("true：这是同一 Idempotency-Key 第一次请求的应答（重放）"),
                                "schema": {"type": "string", "enum": ["true"]}},
    }
    return found
