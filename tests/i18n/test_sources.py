"""Issue 17: no Chinese reaches an English page unwrapped — the templates (text outside ``_()``, ``{% trans %}``
and ``{# #}``) and the scripts (string literals outside ``_()``) are checked as written, including the
pages the English crawl (test_english_pages) cannot open.

Not checked, by design: the zh translation modules of bpmn-js and form-js (``translations.js``, used on
Chinese pages only) and the Chinese translation of bpmnlint's English messages (the ``bpmnlint`` table of
designer/lint/messages.js, likewise)."""
from __future__ import annotations

import re

from tests.test_i18n import ROOT

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
TEMPLATES = ROOT / "webapp/templates"
LITERAL = re.compile(r"""(["'])(?:\\.|(?!\1).)*\1""")


def template_problems(source: str, name: str) -> list[str]:
    source = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), source, flags=re.S)
    source = re.sub(r"""\b(_|gettext|ngettext)\(\s*('([^'\\]|\\.)*'|"([^"\\]|\\.)*")""", r"\1(''", source)
    source = re.sub(r"""\bpgettext\(\s*'[^']*'\s*,\s*'([^'\\]|\\.)*'""", "pgettext('', ''", source)
    source = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", lambda m: "\n" * m.group(0).count("\n"),
                    source, flags=re.S)
    return [f"{name}:{number}: {line.strip()[:160]}" for number, line in enumerate(source.splitlines(), 1)
            if CJK.search(line)]


def script_problems(source: str, name: str) -> list[str]:
    if name.endswith("designer/lint/messages.js"):  # the bpmnlint table: Chinese pages only
        start = source.index("  bpmnlint: {")
        end = source.index("\n", source.index("types: {", start))
        source = source[:start] + "\n" * source[start:end].count("\n") + source[end:]
    problems = []
    for number, line in enumerate(source.splitlines(), 1):
        code = line.strip()
        if code.startswith(("//", "*", "/*")) or not CJK.search(line):
            continue
        code = re.sub(r"\s//\s.*$", "", line) if not CJK.search(re.sub(r"\s//\s.*$", "", line) or "x") else line
        for literal in LITERAL.finditer(code):
            if CJK.search(literal.group(0)) and not code[:literal.start()].rstrip().endswith("_("):
                problems.append(f"{name}:{number}: {literal.group(0)[:80]} — wrap it in _()")
        if "`" in code and CJK.search(" ".join(re.findall(r"`[^`]*`", code))):
            problems.append(f"{name}:{number}: a template literal with Chinese — use _('…%(name)s…', {{name}})")
    return problems


def scripts():
    frontend = ROOT / "webapp/frontend"
    for path in [*sorted((ROOT / "webapp/static").glob("*.js")), *sorted(frontend.rglob("*.js"))]:
        if path.name != "translations.js":
            yield path


def test_templates_hold_no_chinese_outside_gettext():
    problems = [problem for path in sorted(TEMPLATES.rglob("*.html"))
                for problem in template_problems(path.read_text("utf-8"), str(path.relative_to(ROOT)))]
    assert not problems, "Chinese outside _() in templates (wrap it: {{ _('…') }}):\n" + "\n".join(problems)


def test_scripts_wrap_their_chinese_words():
    problems = [problem for path in scripts()
                for problem in script_problems(path.read_text("utf-8"), str(path.relative_to(ROOT)))]
    assert not problems, "Chinese outside _() in scripts:\n" + "\n".join(problems)


def test_the_checks_catch_what_they_look_for():
    assert template_problems("<p>{{ _('证书') }}：{{ n }}</p>{# 注释 #}", "t.html") == \
        ["t.html:1: <p>{{ _('') }}：{{ n }}</p>"]
    assert template_problems("{{ _('证书') }}{{ _('：') }}{% trans %}说明{% endtrans %}", "t.html") == []
    assert script_problems("x.textContent = '请选择城市';\n// 注释\ny = _('好');", "a.js") == \
        ["a.js:1: '请选择城市' — wrap it in _()"]
    assert script_problems("label: `${a}（${b}）`", "a.js")
