"""The OpenAPI 3.1 document of /api/v1, built from the same form classes that render the pages
(forms.tasks.TASK_FORMS through forms.schema), so the request bodies cannot drift from the forms.

POST /api/v1/tasks/{task_id} is one route whose form depends on the task: its body is a ``oneOf``
over one schema per form key (components ``TaskForm.<form_key>``, each titled by the key). A
discriminator cannot be used because the body carries no form key: the task's ``form_key`` (in GET
/api/v1/tasks/{task_id}) tells which variant applies. Separate paths per form key would document
routes that do not exist."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forms import schema, tasks
from forms.compliance import ApplicationForm
from webapp.api_operator import INSTANCE_ACTIONS

OPENAPI_VERSION = "3.1.0"
ROWS_NOTE = (
    _l("multipart/form-data：列表字段的每行每列以“字段-行号-列”提交（如 items-0-verdict，行号从 0 开始）；"
       "文件字段可重复。")
)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _object(properties: dict, required=(), **extra) -> dict:
    return {"type": "object", "properties": properties, "required": list(required), **extra}


STRING, INTEGER, MOMENT = {"type": "string"}, {"type": "integer"}, {"type": ["string", "null"], "format": "date-time"}
# true: the count stopped engine.counting.COUNT_CAP (200) rows past the page's first; total is then a lower bound.
CAPPED = {"type": "boolean", "description": _l("为 true 时计数在本页第一条之后 200 条处停止，total 为下限（还有更多）")}

# --- bodies and answers that are not forms ------------------------------------------------------

BASE_SCHEMAS = {
    "Error": _object({"error": STRING}, ["error"]),
    "Errors": _object(
        {"errors": {"type": "object", "additionalProperties": _array(STRING)}},
        ["errors"],
        description=_l("422：按字段给出的问题（正文整体的问题在 body 下）"),
    ),
    "AlreadyHandled": _object({"error": STRING, "code": {"const": "already_handled"}}, ["error", "code"]),
    "Credentials": _object(
        {"email": {"type": "string", "format": "email"}, "password": {"type": "string", "writeOnly": True}},
        ["email", "password"],
    ),
    "Token": _object({"token": STRING}, ["token"]),
    "Health": _object({"status": {"const": "ok"}}, ["status"]),
    "Task": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "title": STRING,
            "process": STRING,
            "instance_id": INTEGER,
            "form_key": STRING,
            "role": {"type": ["string", "null"]},
            "state": STRING,
            "created_at": {"type": "string", "format": "date-time"},
            # 期限, from the BPMN (a boundary timer or timeLimitDays); null: no time limit
            "due_at": {"type": ["string", "null"], "format": "date-time"},
            "subject": STRING,
        },
        ["id", "name", "process", "instance_id", "form_key", "state"],
    ),
    "TaskList": _object({"tasks": _array(ref("Task")), "total": INTEGER, "page": INTEGER,
                         "total_capped": CAPPED}, ["tasks", "total", "page"]),
    "TaskDetail": _object(
        {"task": ref("Task"), "form": ref("FormSchema"), "context": {"type": "object"}}, ["task", "form", "context"]
    ),
    "FormSchema": _object(
        {"type": {"const": "object"}, "properties": {"type": "object"}, "required": _array(STRING)},
        ["type", "properties"],
        description=_l("该任务表单的 JSON Schema（含当前可选值与预填内容）"),
    ),
    "InstanceState": _object(
        {"id": INTEGER, "status": STRING, "stage": {"type": ["string", "null"]}}, ["id", "status", "stage"]
    ),
    "Completion": _object({"tasks": _array(ref("Task")), "instance": ref("InstanceState")}, ["tasks", "instance"]),
    "DraftSaved": _object({"task": ref("Task"), "saved": {"const": True}}, ["task", "saved"]),
    "Event": _object(
        {
            "sequence": INTEGER,
            "kind": STRING,
            "task": {"type": ["string", "null"]},
            "actor_id": {"type": ["integer", "null"]},
            "summary": {},
            "at": STRING,
        },
        ["sequence", "kind"],
    ),
    "Definition": _object({"key": STRING, "version": INTEGER}, ["key", "version"]),
    "Instance": _object(
        {
            "id": INTEGER,
            "process": STRING,
            "subject": STRING,
            "business_key": {"type": ["string", "null"]},
            "status": STRING,
            "stage": {"type": ["string", "null"]},
            "stage_label": {"type": ["string", "null"]},
            "definition": ref("Definition"),
            "created_at": STRING,
            "completed_at": MOMENT,
            "tasks": _array(ref("Task")),
            "events": _array(ref("Event")),
        },
        ["id", "process", "status", "tasks", "events"],
    ),
    "Enterprises": _object(
        {"enterprises": _array(_object({"id": INTEGER, "name": STRING}, ["id", "name"]))}, ["enterprises"]
    ),
    "ApplicationFormAnswer": _object(
        {
            "form": ref("FormSchema"),
            "context": _object({"plan_id": INTEGER, "product_name": STRING, "indicators": _array({"type": "object"})}),
        },
        ["form", "context"],
    ),
    "ApplicationCreated": _object(
        {
            "application": _object(
                {"id": INTEGER, "status": STRING, "instance_id": INTEGER}, ["id", "status", "instance_id"]
            )
        },
        ["application"],
    ),
    "OperatorInstance": _object(
        {
            "id": INTEGER,
            "process": STRING,
            "subject": STRING,
            "status": STRING,
            "business_key": {"type": ["string", "null"]},
            "stage": {"type": ["string", "null"]},
            "stage_label": {"type": ["string", "null"]},
            "error": {"type": ["string", "null"]},
            "definition": ref("Definition"),
            "created_at": MOMENT,
            "updated_at": MOMENT,
            "completed_at": MOMENT,
            "next_timer_at": MOMENT,
        },
        ["id", "process", "status", "stage", "error", "definition"],
    ),
    "OperatorInstances": _object(
        {"instances": _array(ref("OperatorInstance")), "total": INTEGER, "page": INTEGER, "per_page": INTEGER,
         "total_capped": CAPPED},
        ["instances", "total", "page"],
    ),
    "OperatorTask": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "title": STRING,
            "process": STRING,
            "form_key": STRING,
            "role": {"type": ["string", "null"]},
            "state": STRING,
            "organization": {"type": ["string", "null"]},
            "completed_by": {"type": ["string", "null"]},
            "created_at": MOMENT,
            "completed_at": MOMENT,
        },
        ["id", "name", "state"],
    ),
    "OperatorEvent": _object(
        {
            "sequence": INTEGER,
            "kind": STRING,
            "label": STRING,
            "task": {"type": ["string", "null"]},
            "task_title": {"type": ["string", "null"]},
            "actor": {"type": ["string", "null"]},
            "summary": {},
            "at": STRING,
        },
        ["sequence", "kind", "label"],
    ),
    "OperatorInstanceDetail": {
        "allOf": [
            ref("OperatorInstance"),
            _object(
                {"tasks": _array(ref("OperatorTask")), "history": _array(ref("OperatorEvent"))}, ["tasks", "history"]
            ),
        ]
    },
    "Reason": _object({"reason": {"type": "string", "minLength": 1}}, ["reason"]),
    "Reassignment": _object(
        {
            "reason": {"type": "string", "minLength": 1},
            "user_email": {"type": "string", "format": "email"},
            "organization_name": STRING,
        },
        ["reason"],
        description=_l("user_email 与 organization_name 二选一"),
    ),
    "OperatorAction": _object(
        {
            "id": INTEGER,
            "action": STRING,
            "instance_id": INTEGER,
            "task_id": {"type": ["integer", "null"]},
            "reason": STRING,
            "details": {"type": "object"},
            "actor_id": {"type": ["integer", "null"]},
            "created_at": MOMENT,
        },
        ["id", "action", "instance_id", "reason"],
    ),
    "OperatorActionDone": _object(
        {"action": ref("OperatorAction"), "instance": ref("OperatorInstance")}, ["action", "instance"]
    ),
}


# --- the forms ---------------------------------------------------------------------------------


def _without_empty_choices(node):
    """Choices filled per task or plan (an institution, enterprises) are empty without one: the
    document drops them (JSON Schema forbids an empty oneOf) and says where they come from."""
    if isinstance(node, list):
        return [_without_empty_choices(item) for item in node]
    if not isinstance(node, dict):
        return node
    cleaned = {key: _without_empty_choices(value) for key, value in node.items()}
    if cleaned.get("oneOf") == []:
        del cleaned["oneOf"]
        cleaned.pop("type", None)
        cleaned["description"] = _l("可选值取决于具体任务或方案：见 GET 接口返回的 form")
    return cleaned


FILE_NOTE = _l("PDF 文件：只能以 multipart/form-data 上传（JSON 正文不能携带文件）")


def form_body_schema(form, title: str) -> dict:
    body = _without_empty_choices(schema.form_schema(form))
    for field in body["properties"].values():
        if field.get("format") == "binary" or field.get("items", {}).get("format") == "binary":
            field["description"] = FILE_NOTE
    return {**body, "title": title, "x-multipart-rows": "{field}-{row}-{column}"}


def task_form_schemas(designed_forms: dict | None = None) -> dict:
    """The hand-written forms, and the designer-made ones (form key → WTForms class) as deployed."""
    classes = {key: spec.form_class for key, spec in tasks.TASK_FORMS.items()} | (designed_forms or {})
    return {f"TaskForm.{key}": form_body_schema(form_class(), key) for key, form_class in sorted(classes.items())}


def form_request(names: list[str], description: str) -> dict:
    variants = {"oneOf": [ref(name) for name in names]} if len(names) > 1 else ref(names[0])
    return {
        "required": True,
        "description": f"{description}\n\n{ROWS_NOTE}",
        "content": {"application/json": {"schema": variants}, "multipart/form-data": {"schema": variants}},
    }


def document(statuses, designed_forms: dict | None = None) -> dict:
    from webapp.openapi_paths import paths

    form_schemas = task_form_schemas(designed_forms)
    application = ApplicationForm(data={"measurements": [{"measured": ""}]})
    components = {**BASE_SCHEMAS, **form_schemas, "ApplicationForm": form_body_schema(application, "ApplicationForm")}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": _("全国对标达标信息服务平台 接口"),
            "version": "1",
            "description": _(
                "面向对接系统的 JSON 接口。令牌放在请求头 Authorization: Bearer …；"
                "令牌在 用户中心 → API 令牌 创建，或 POST /api/v1/tokens。"
                "每个令牌的请求次数按时间窗口限制，超出时返回 429 和 Retry-After。"
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in (
            _l("令牌"), _l("任务"), _l("流程"), _l("达标"), _l("单位"), _l("运维"), _l("系统"))],
        "paths": paths(sorted(form_schemas), list(statuses), sorted(INSTANCE_ACTIONS)),
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": _("访问令牌")}},
        },
    }
