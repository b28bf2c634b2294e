"""engine.text: the engine's refusals and labels stay plain Chinese strings until the web layer
asks for them in the reader's language."""
from __future__ import annotations

import copy

import pytest

from engine import text
from engine.text import N_, Text, localized

ENGLISH = {"请填写标题（不超过 %(limit)s 个字）": "Enter a title (at most %(limit)s characters)",
           "第 %(n)s 项（%(name)s）": "item %(n)s (%(name)s)",
           "安全": "safety", "<危险>": "<danger>"}


@pytest.fixture
def english(monkeypatch):
    monkeypatch.setattr(text, "_translate", lambda msgid: ENGLISH.get(msgid, msgid))


def test_without_a_translator_text_is_the_chinese_message():
    message = N_("请填写标题（不超过 %(limit)s 个字）", limit=100)
    assert isinstance(message, str) and message == "请填写标题（不超过 100 个字）"
    assert (message.msgid, message.params) == ("请填写标题（不超过 %(limit)s 个字）", {"limit": 100})
    assert localized(message) == "请填写标题（不超过 100 个字）"


def test_a_translator_translates_the_message_then_fills_in_its_placeholders(english):
    message = N_("请填写标题（不超过 %(limit)s 个字）", limit=100)
    assert message == "请填写标题（不超过 100 个字）"  # the value itself stays the source text
    assert localized(message) == "Enter a title (at most 100 characters)"
    nested = N_("第 %(n)s 项（%(name)s）", n=2, name=N_("安全"))
    assert localized(nested) == "item 2 (safety)"
    assert localized("不是引擎文本") == "不是引擎文本" and localized(None) is None


def test_jinja_and_markupsafe_show_the_translation_escaped(english):
    from markupsafe import Markup, escape

    assert escape(N_("安全")) == Markup("safety")
    assert escape(N_("<危险>")) == Markup("&lt;danger&gt;")


def test_text_survives_copying_with_its_message_id():  # SpiffWorkflow deep-copies task data
    message = copy.deepcopy(N_("第 %(n)s 项（%(name)s）", n=3, name="转速"))
    assert isinstance(message, Text) and message == "第 3 项（转速）"
    assert message.msgid == "第 %(n)s 项（%(name)s）"


def test_a_message_without_placeholders_may_hold_a_percent_sign():
    assert N_("合格率 100%") == "合格率 100%"
