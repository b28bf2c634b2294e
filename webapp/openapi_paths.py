"""The paths of the OpenAPI document: every /api/v1 route (and /healthz), with its answers."""

from __future__ import annotations

from webapp.openapi_doc import form_request, ref

JSON = "application/json"
ERROR_TEXT = {
    400: "请求无效",
    401: "缺少或无效的访问令牌（已吊销或已过期的令牌同样被拒绝）",
    403: "无权操作",
    404: "不存在",
    409: "任务已被处理",
    422: "输入有误：{errors: {字段: [消息]}}",
    429: "请求过于频繁（见 Retry-After 头）",
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
        answers["429"]["headers"] = {"Retry-After": {"description": "几秒后可再试", "schema": {"type": "integer"}}}
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


PAGE = query("page", "页码，从 1 开始", {"type": "integer", "minimum": 1, "default": 1})
TASK_ID, INSTANCE_ID = path_id("task_id", "任务 id"), path_id("instance_id", "流程实例 id")
PLAN_ID = path_id("plan_id", "对标方案 id")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "可选，1 至 255 个可见 ASCII 字符（建议每次办理生成一个 UUID）。同一用户用同一键重发同一请求"
    "（如超时后重试），24 小时内返回第一次的应答（状态码与正文相同，另带 Idempotent-Replayed: true 头），"
    "任务不会被办理两次；同一键用于内容不同的请求返回 422（code: idempotency_key_reused）。"
    "只有办理成功的请求被记住：422、409 等未改变任何数据的应答可用同一键重试。",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def paths(task_forms: list[str], statuses: list[str], actions: list[str]) -> dict:
    return {**_system_paths(), **_task_paths(task_forms), **_compliance_paths(), **_operator_paths(statuses, actions)}


def _system_paths() -> dict:
    return {
        "/healthz": {
            "get": operation("healthz", "健康检查（数据库可用）", "系统", (200, "正常", "Health"), (), public=True)
        },
        "/api/v1/openapi.json": {
            "get": operation("openapi", "本文档（OpenAPI 3.1）", "系统", (200, "OpenAPI 文档", None), (), public=True)
        },
        "/api/v1/docs": {
            "get": operation("docs", "可浏览的接口文档（HTML）", "系统", (200, "HTML 页面", None), (), public=True)
        },
        "/api/v1/tokens": {
            "post": operation(
                "createToken",
                "用邮箱和密码换取访问令牌（30 天有效）",
                "令牌",
                (201, "新令牌", "Token"),
                (401, 403, 429),
                body=json_body("Credentials"),
                public=True,
                description="也可在 用户中心 → API 令牌 创建有名称和有效期的令牌。每个客户端地址的调用次数受限。",
            )
        },
    }


def _task_paths(task_forms: list[str]) -> dict:
    task_body = form_request(
        task_forms, "按任务的 form_key 选择对应的表单（见 GET /api/v1/tasks/{task_id} 的 task.form_key 与 form）。"
    )
    return {
        "/api/v1/tasks": {
            "get": operation("listTasks", "我的待办", "任务", (200, "待办任务", "TaskList"), params=[PAGE])
        },
        "/api/v1/tasks/{task_id}": {
            "get": operation(
                "getTask",
                "任务、其表单（JSON Schema）与办理所需信息",
                "任务",
                (200, "任务", "TaskDetail"),
                (401, 403, 404, 409, 429),
                params=[TASK_ID],
            ),
            "post": _complete_task(task_body),
        },
        "/api/v1/tasks/{task_id}/draft": {
            "post": operation(
                "saveTaskDraft",
                "保存草稿（任务保持待办；仅支持草稿的表单）",
                "任务",
                (200, "已保存", "DraftSaved"),
                (401, 403, 404, 409, 422, 429),
                params=[TASK_ID],
                body=task_body,
            )
        },
        "/api/v1/instances/{instance_id}": {
            "get": operation(
                "getInstance",
                "流程实例：状态、阶段、任务与历史",
                "流程",
                (200, "流程实例", "Instance"),
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
                "按名称或统一社会信用代码查询企业（参编单位，最多 20 个）",
                "单位",
                (200, "企业", "Enterprises"),
                params=[query("q", "名称或统一社会信用代码的一部分")],
            )
        },
        "/api/v1/plans/{plan_id}/application-form": {
            "get": operation(
                "getApplicationForm",
                "申请达标的表单（含方案指标与可选机构）",
                "达标",
                (200, "表单", "ApplicationFormAnswer"),
                (401, 403, 404, 429),
                params=[PLAN_ID],
            )
        },
        "/api/v1/plans/{plan_id}/applications": {
            "post": operation(
                "applyForCompliance",
                "申请达标（上传检测报告须用 multipart/form-data）",
                "达标",
                (201, "已提交，流程已开始", "ApplicationCreated"),
                (401, 403, 404, 422, 429),
                params=[PLAN_ID],
                body=form_request(["ApplicationForm"], "申请达标表单。"),
            )
        },
    }


def _operator_paths(statuses: list[str], actions: list[str]) -> dict:
    action_param = {
        "name": "action",
        "in": "path",
        "required": True,
        "description": "运维操作",
        "schema": {"type": "string", "enum": actions},
    }
    return {
        "/api/v1/operator/instances": {
            "get": operation(
                "operatorListInstances",
                "流程实例列表（运维）",
                "运维",
                (200, "流程实例", "OperatorInstances"),
                params=[
                    query("process", "流程 key"),
                    query("status", "状态", {"type": "string", "enum": statuses}),
                    query("q", "主题包含的文字"),
                    PAGE,
                ],
            )
        },
        "/api/v1/operator/instances/{instance_id}": {
            "get": operation(
                "operatorGetInstance",
                "流程实例详情（运维）：状态、阶段、任务、历史、错误",
                "运维",
                (200, "流程实例", "OperatorInstanceDetail"),
                (401, 403, 404, 429),
                params=[INSTANCE_ID],
            )
        },
        "/api/v1/operator/instances/{instance_id}/{action}": {
            "post": operation(
                "operatorInstanceAction",
                "运维操作：暂停、恢复、终止、重试、触发定时器、迁移到最新版本",
                "运维",
                (200, "已执行", "OperatorActionDone"),
                (401, 403, 404, 422, 429),
                params=[INSTANCE_ID, action_param],
                body=json_body("Reason", "操作原因（记入运维记录）"),
                description="流程状态不允许该操作时返回 422 {errors: {reason: [原因]}}。",
            )
        },
        "/api/v1/operator/tasks/{task_id}/reassign": {
            "post": operation(
                "operatorReassignTask",
                "转办任务给指定用户或单位（运维）",
                "运维",
                (200, "已转办", "OperatorActionDone"),
                (401, 403, 404, 422, 429),
                params=[TASK_ID],
                body=json_body("Reassignment"),
            )
        },
    }


def _complete_task(task_body: dict) -> dict:
    found = operation(
        "completeTask",
        "办理任务（提交表单）",
        "任务",
        (200, "已办理；新产生的任务与流程状态", "Completion"),
        (400, 401, 403, 404, 409, 422, 429),
        params=[TASK_ID, IDEMPOTENCY_KEY],
        body=task_body,
        description="带 Idempotency-Key 头的请求可安全重试：见该参数的说明。400：Idempotency-Key 格式不对。",
    )
    found["responses"]["200"]["headers"] = {
        "Idempotent-Replayed": {"description": "true：这是同一 Idempotency-Key 第一次请求的应答（重放）",
                                "schema": {"type": "string", "enum": ["true"]}},
    }
    return found
