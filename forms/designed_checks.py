"""What the platform refuses in a designer-made form's definition, each problem at its component, in the
designer's words (the editor's 检查, the designer's deploy and ``db upgrade`` all ask here)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from engine.text import listing
from forms import designed
from forms.designed import FormProblem

KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,49}$")
MAX_FILE_MB = 20
MAX_OPTION_VALUE = 30  # an outcome named ``decision`` is kept in the history's decision column


def schema_problems(schema) -> list[FormProblem]:
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        return [FormProblem("", "", _l("表单定义应为 JSON 对象，且含 components 列表"))]
    found: list[FormProblem] = []
    components = list(_every_component(schema["components"]))
    if len(components) > designed.MAX_COMPONENTS:
        found.append(FormProblem("", "", _l("一个表单最多 %(n)s 个字段", n=designed.MAX_COMPONENTS)))
    if not any(c.get("type") in designed.INPUT_TYPES | {"dynamiclist"} for c in components):
        found.append(FormProblem("", "", _l("表单至少要有一个可填写的字段")))
    found += _scope_problems(schema["components"], set(), top=True)
    keys = {designed.field_key(c) for c in designed.input_components(schema)}
    for component in designed.input_components(schema):
        found += _requirement_problems(component, keys)
    return found


def _every_component(components) -> list[dict]:
    for component in components:
        if not isinstance(component, dict):
            continue
        yield component
        yield from _every_component(component.get("components") or [])


def _scope_problems(components: list, seen: set, top: bool) -> list[FormProblem]:
    """Types, keys (unique in their table or form) and each component's own rules."""
    found = []
    for component in components:
        if not isinstance(component, dict):
            found.append(FormProblem("", "", _l("组件应为 JSON 对象")))
            continue
        kind = component.get("type")
        allowed = designed.SUPPORTED_TYPES if top else designed.ROW_TYPES
        if kind not in allowed:
            message = _l("不支持的字段类型 %(type)s", type=kind) if top else \
                _l("表格的列不能是 %(type)s 类型", type=kind)
            found.append(_at(component, message))
            continue
        if kind == "group":
            found += _scope_problems(component.get("components") or [], seen, top=True)
            continue
        if kind == "text" or (kind in ("textfield", "textarea") and component.get("readonly")):
            found += _static_problems(component)
            continue
        found += _key_problems(component, seen) + _own_problems(component)
        if kind == "dynamiclist":
            found += _table_problems(component)
    return found


def _at(component: dict, message) -> FormProblem:
    return FormProblem(str(component.get("id") or ""), designed.field_key(component), message)


def _static_problems(component: dict) -> list[FormProblem]:
    if component.get("type") == "text":
        return []
    if designed.field_key(component) not in designed.CONTEXT_KEYS:
        known = listing(designed.CONTEXT_KEYS)
        return [_at(component, _l("只读字段显示办理事项的信息，键应为以下之一：%(keys)s", keys=known))]
    return []


def _key_problems(component: dict, seen: set) -> list[FormProblem]:
    key = designed.field_key(component)
    if not KEY.match(key):
        return [_at(component, _l("字段键（key）应以字母开头，只含字母、数字和下划线，不超过 50 个字符"))]
    if key in designed.RESERVED_KEYS:
        return [_at(component, _l("字段键 %(key)s 为平台保留，请换一个", key=key))]
    if key in seen:
        return [_at(component, _l("字段键 %(key)s 重复", key=key))]
    seen.add(key)
    label = str(component.get("label") or "").strip()
    if not label:
        return [_at(component, _l("请填写字段的标签"))]
    if len(label) > 100:
        return [_at(component, _l("标签不能超过 100 个字"))]
    return []


def _own_problems(component: dict) -> list[FormProblem]:
    kind = component["type"]
    found = []
    if kind in ("select", "radio", "checklist"):
        found += _option_problems(component)
    if kind in ("textfield", "textarea"):
        found += _text_rule_problems(component)
    if kind == "number":
        found += _number_rule_problems(component)
    if kind == "datetime" and (component.get("subtype") or "date") != "date":
        found.append(_at(component, _l("日期字段只支持“日期”（date）类型")))
    if kind == "filepicker":
        found += _file_problems(component)
    if designed.is_outcome(component) and kind not in (*designed.OUTCOME_TYPES, "dynamiclist"):
        found.append(_at(component, _l("只有选择、单选、勾选、数字和文本字段可以作为流程结果")))
    return found


def _option_problems(component: dict) -> list[FormProblem]:
    name = component.get("valuesKey")
    if name:
        if name not in designed.DICTIONARIES:
            known = listing(designed.DICTIONARIES)
            return [_at(component, _l("数据字典 %(name)s 不存在（可用：%(known)s）", name=name, known=known))]
        return []
    values = component.get("values")
    if not isinstance(values, list) or not values:
        return [_at(component, _l("请为选项字段填写选项，或选择一个数据字典"))]
    seen = set()
    for option in values:
        value = str(option.get("value") if isinstance(option, dict) else "").strip()
        if not value or len(value) > MAX_OPTION_VALUE:
            return [_at(component, _l("选项的值不能为空，且不超过 %(n)s 个字符", n=MAX_OPTION_VALUE))]
        if value in seen:
            return [_at(component, _l("选项的值 %(value)s 重复", value=value))]
        seen.add(value)
    return []


def _text_rule_problems(component: dict) -> list[FormProblem]:
    rules = component.get("validate") or {}
    found = []
    least, most = rules.get("minLength"), rules.get("maxLength")
    if not _whole(least) or not _whole(most) or (most is not None and int(most) > 100000):
        found.append(_at(component, _l("长度限制应为 0 至 100000 的整数")))
    elif least is not None and most is not None and int(least) > int(most):
        found.append(_at(component, _l("最短长度不能大于最长长度")))
    pattern = rules.get("pattern")
    if pattern:
        try:
            re.compile(str(pattern))
        except re.error:
            found.append(_at(component, _l("正则表达式 %(pattern)s 无效", pattern=pattern)))
        if len(str(pattern)) > 200:
            found.append(_at(component, _l("正则表达式不能超过 200 个字符")))
    if rules.get("validationType") not in (None, "", "email", "phone"):
        found.append(_at(component, _l("校验类型只支持 email 和 phone")))
    return found


def _whole(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _number_rule_problems(component: dict) -> list[FormProblem]:
    rules = component.get("validate") or {}
    least, most = rules.get("min"), rules.get("max")
    if any(v is not None and (isinstance(v, bool) or not isinstance(v, int | float)) for v in (least, most)):
        return [_at(component, _l("最小值和最大值应为数字"))]
    if least is not None and most is not None and least > most:
        return [_at(component, _l("最小值不能大于最大值"))]
    return []


def _file_problems(component: dict) -> list[FormProblem]:
    size = designed.prop(component, "maxSizeMb")
    try:
        limit = float(size)
    except ValueError:
        limit = 0
    if not size or not 0 < limit <= MAX_FILE_MB:
        return [_at(component, _l("文件字段须设置文件大小上限（maxSizeMb，0 至 %(n)s MB）", n=MAX_FILE_MB))]
    accept = str(component.get("accept") or ".pdf")
    if any(part.strip().lower() not in (".pdf", "application/pdf") for part in accept.split(",")):
        return [_at(component, _l("文件字段只接受 PDF 文件（accept 应为 .pdf）"))]
    return []


def _table_problems(component: dict) -> list[FormProblem]:
    found = []
    if not component.get("components"):
        found.append(_at(component, _l("表格至少要有一列")))
    found += _scope_problems(component.get("components") or [], set(), top=False)
    rows = designed.prop(component, "minRows")
    if rows and (not rows.isdigit() or int(rows) > 100):
        found.append(_at(component, _l("最少行数应为 0 至 100 的整数")))
    if designed.is_outcome(component):
        found.append(_at(component, _l("表格不能作为流程结果")))
    return found


def _requirement_problems(component: dict, keys: set) -> list[FormProblem]:
    rule = designed.prop(component, "requiredUnless")
    if not rule:
        return []
    other, sep, values = rule.partition("=")
    if not sep or not values.strip() or other.strip() not in keys:
        return [_at(component, _l("“除非…否则必填”应写作 字段键=值（如 decision=approve），且字段键在本表单中"))]
    return []
