"""Designer-made forms (forms.designed): every field type built from a form-js definition, validated with
the platform's Chinese messages, and the definition's own mistakes refused at the component."""
from __future__ import annotations

import copy
import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from forms import designed
from forms.designed_fields import answer
from tests.browser.conftest import write_minimal_pdf
from tests.factories import PDF_BYTES
from webapp import create_app

EVERY_TYPE = {
    "id": "site_check", "type": "default", "title": "现场核查", "components": [
        {"id": "c_subject", "type": "textfield", "key": "subject", "label": "核查对象", "readonly": True},
        {"id": "c_note", "type": "text", "text": "请如实填写现场核查情况"},
        {"id": "c_place", "type": "textfield", "key": "place", "label": "核查地点",
         "validate": {"required": True, "minLength": 2, "maxLength": 20}},
        {"id": "c_code", "type": "textfield", "key": "code", "label": "批次号",
         "validate": {"pattern": "[A-Z]{2}[0-9]{4}"}},
        {"id": "c_remarks", "type": "textarea", "key": "remarks", "label": "核查说明"},
        {"id": "c_score", "type": "number", "key": "score", "label": "评分", "decimalDigits": 0,
         "validate": {"required": True, "min": 0, "max": 100}, "properties": {"outcome": "true"}},
        {"id": "c_ratio", "type": "number", "key": "ratio", "label": "合格率", "validate": {"min": 0, "max": 1}},
        {"id": "c_day", "type": "datetime", "subtype": "date", "key": "visited_on", "label": "核查日期",
         "validate": {"required": True}},
        {"id": "c_result", "type": "radio", "key": "result", "label": "核查结论", "validate": {"required": True},
         "values": [{"label": "合格", "value": "pass"}, {"label": "不合格", "value": "fail"}],
         "properties": {"outcome": "true"}},
        {"id": "c_industry", "type": "select", "key": "industry", "label": "所属行业", "valuesKey": "industries"},
        {"id": "c_items", "type": "checklist", "key": "items", "label": "核查项目", "validate": {"required": True},
         "values": [{"label": "生产线", "value": "line"}, {"label": "检测设备", "value": "lab"},
                    {"label": "质量记录", "value": "records"}]},
        {"id": "c_sign", "type": "checkbox", "key": "signed", "label": "企业已签字确认",
         "validate": {"required": True}},
        {"id": "c_group", "type": "group", "label": "照片", "components": [
            {"id": "c_photos", "type": "filepicker", "key": "photos", "label": "现场照片（PDF）",
             "validate": {"required": True}, "properties": {"maxSizeMb": "1"}}]},
        {"id": "c_rows", "type": "dynamiclist", "path": "findings", "label": "问题清单", "isRepeating": True,
         "components": [{"id": "c_what", "type": "textfield", "key": "what", "label": "问题",
                         "validate": {"required": True}},
                        {"id": "c_level", "type": "select", "key": "level", "label": "严重程度",
                         "values": [{"label": "一般", "value": "minor"}, {"label": "严重", "value": "major"}]}]},
        {"id": "c_reason", "type": "textarea", "key": "reason", "label": "不合格原因",
         "properties": {"requiredUnless": "result=pass"}},
    ]}

GOOD = {"place": "东莞工厂", "code": "AB1234", "remarks": "", "score": "86", "ratio": "0.95",
        "visited_on": "2026-11-30", "result": "pass", "industry": "C3811", "items": ["line", "lab"],
        "signed": "y", "findings-0-what": "标识不清", "findings-0-level": "minor", "findings-1-what": "",
        "findings-1-level": ""}


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "WTF_CSRF_ENABLED": False})


def submitted(app, values: dict, photo=(PDF_BYTES, "照片.pdf")):
    data = MultiDict()
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    if photo is not None:
        data.add("photos", FileStorage(io.BytesIO(photo[0]), filename=photo[1], content_type="application/pdf"))
    form = designed.form_class(EVERY_TYPE)(formdata=data)
    return form, form.validate()


def test_the_whole_definition_is_sound_and_declares_its_outcomes():
    assert designed.problems(EVERY_TYPE) == []
    assert designed.outcomes(EVERY_TYPE) == {"score", "result"}
    keys = [designed.field_key(c) for c in designed.input_components(EVERY_TYPE)]
    assert keys == ["place", "code", "remarks", "score", "ratio", "visited_on", "result", "industry", "items",
                    "signed", "photos", "findings", "reason"]


def test_good_answers_pass_with_their_types(app):
    with app.test_request_context():
        form, valid = submitted(app, GOOD)
        assert valid, form.errors
        assert answer(form.score.data) == 86 and answer(form.ratio.data) == 0.95
        assert answer(form.visited_on.data) == "2026-11-30"
        assert form.items.data == ["line", "lab"] and form.signed.data is True
        assert form.photos.upload[1] == "照片.pdf"
        assert [entry.form.what.data for entry in form.findings.entries] == ["标识不清"]  # blank row dropped
        assert form.reason.data in (None, "")  # not needed when the result is 合格


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"place": ""}, "place", "请填写核查地点"),
    ({"place": "东"}, "place", "应为 2 至 20 个字"),
    ({"place": "东" * 21}, "place", "应为 2 至 20 个字"),
    ({"code": "ab12"}, "code", "批次号格式不正确"),
    ({"score": "101"}, "score", "应在 0 至 100 之间"),
    ({"score": "八十"}, "score", "请填写整数"),
    ({"ratio": "abc"}, "ratio", "请填写数字"),
    ({"visited_on": "2026-13-01"}, "visited_on", "请填写日期，格式如 2026-12-31"),
    ({"result": "maybe"}, "result", "请选择列表中的选项"),
    ({"result": ""}, "result", "请选择核查结论"),
    ({"industry": "Z9999"}, "industry", "请选择列表中的选项"),
    ({"items": []}, "items", "请选择核查项目"),
    ({"items": ["line", "roof"]}, "items", "请选择列表中的选项"),
    ({"signed": ""}, "signed", "请勾选此项"),
    ({"result": "fail"}, "reason", "请填写不合格原因"),
    ({"remarks": "带\x00控制字符"}, "remarks", "不能包含控制字符"),
])
def test_bad_answers_get_a_chinese_message_at_their_field(app, changes, field, message):
    with app.test_request_context():
        form, valid = submitted(app, {**GOOD, **changes})
        assert not valid
        assert message in [str(e) for e in form.errors[field]], form.errors


def test_a_table_cell_is_checked_in_its_row(app):
    with app.test_request_context():
        form, valid = submitted(app, {**GOOD, "findings-0-what": "", "findings-0-level": "major"})
        assert not valid and form.errors["findings"] == [{"what": ["请填写问题"]}]


@pytest.mark.parametrize(("photo", "message"), [
    (None, "请上传 PDF 文件"),
    ((b"<html>not a pdf</html>", "照片.pdf"), "请上传 PDF 格式的文件"),
    ("big", "文件不能超过 1 MB"),
])
def test_files_are_checked_as_the_platform_checks_pdfs_with_the_forms_size_limit(app, photo, message, tmp_path):
    if photo == "big":  # a well-formed PDF a little over the form's 1 MB
        photo = (write_minimal_pdf(tmp_path / "big.pdf", "x" * (1024 * 1024 + 10)), "大照片.pdf")
    with app.test_request_context():
        form, valid = submitted(app, GOOD, photo=photo)
        assert not valid and message in [str(e) for e in form.errors["photos"]]


def _broken(component_id: str, **changes) -> dict:
    schema = copy.deepcopy(EVERY_TYPE)
    for component in _every(schema["components"]):
        if component.get("id") == component_id:
            component.update(changes)
            for key, value in list(component.items()):
                if value is None:
                    del component[key]
    return schema


def _every(components):
    for component in components:
        yield component
        yield from _every(component.get("components", []))


@pytest.mark.parametrize(("component_id", "changes", "message"), [
    ("c_photos", {"properties": None}, "文件字段须设置文件大小上限"),
    ("c_photos", {"properties": {"maxSizeMb": "50"}}, "文件字段须设置文件大小上限"),
    ("c_photos", {"accept": ".docx"}, "只接受 PDF"),
    ("c_industry", {"valuesKey": "colours"}, "数据字典 colours 不存在"),
    ("c_items", {"values": []}, "请为选项字段填写选项"),
    ("c_result", {"values": [{"label": "合格", "value": "pass"}, {"label": "也合格", "value": "pass"}]},
     "选项的值 pass 重复"),
    ("c_ratio", {"key": "score"}, "字段键 score 重复"),
    ("c_place", {"key": "1st place"}, "字段键（key）应以字母开头"),
    ("c_place", {"key": "csrf_token"}, "为平台保留"),
    ("c_place", {"label": ""}, "请填写字段的标签"),
    ("c_code", {"validate": {"pattern": "[A-"}}, "正则表达式 [A- 无效"),
    ("c_place", {"validate": {"minLength": 30, "maxLength": 20}}, "最短长度不能大于最长长度"),
    ("c_score", {"validate": {"min": 10, "max": 1}}, "最小值不能大于最大值"),
    ("c_day", {"subtype": "datetime"}, "日期字段只支持"),
    ("c_rows", {"properties": {"outcome": "true"}}, "表格不能作为流程结果"),
    ("c_what", {"type": "filepicker"}, "表格的列不能是 filepicker 类型"),
    ("c_note", {"type": "iframe"}, "不支持的字段类型 iframe"),
    ("c_reason", {"properties": {"requiredUnless": "verdict=pass"}}, "字段键=值"),
    ("c_subject", {"key": "secret_data"}, "只读字段显示办理事项的信息"),
    ("c_sign", {"properties": {"outcome": "true"}, "type": "checklist", "values": [{"label": "是", "value": "y"}]},
     "可以作为流程结果"),
])
def test_a_definition_mistake_is_refused_at_its_component(app, component_id, changes, message):
    with app.test_request_context():
        found = designed.problems(_broken(component_id, **changes))
        assert [p.component_id for p in found] == [component_id], [str(p.message) for p in found]
        assert message in str(found[0].message)


def test_a_form_without_fields_or_components_is_refused(app):
    with app.test_request_context():
        assert "components" in str(designed.problems({"title": "空"})[0].message)
        assert "至少要有一个可填写的字段" in str(designed.problems({"components": [{"type": "text"}]})[0].message)
        with pytest.raises(ValueError, match="不是有效的 JSON"):
            designed.parse(b"{not json")


def test_the_shipped_forms_are_sound():
    shipped = designed.shipped_forms()
    assert set(shipped) >= {"generic_review", "generic_opinion"}
    assert all(designed.problems(schema) == [] for schema in shipped.values())
    assert designed.outcomes(shipped["generic_review"]) == {"decision"}
