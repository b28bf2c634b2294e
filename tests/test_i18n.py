"""The UI is Chinese through Flask-Babel: no bare Chinese reaches users from the views, and extraction finds it all.

(a) An AST check of webapp/*.py (not the demo data): the arguments of ``flash``, ``abort``, ``jsonify`` and
``….errors.append`` hold no Chinese string literal (or f-string) outside a gettext call, and the gettext calls
there take a plain string literal (placeholders as ``%(name)s``, never an f-string).
(b) The engine's refusals and labels (engine/domain, engine/stages.py) are marked with ``N_``: no Chinese literal
in what a domain function raises, returns or appends as a problem, nor in a module-level label table. (Notices
for 我的消息, SMS and e-mail are content, sent in Chinese, and certificates are Chinese documents.)
(c) Babel's extraction, run in-process with babel.cfg and the keywords of ``make messages``, finds
representative messages of the views, the forms and the templates.
"""
from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile("[\u4e00-\u9fff]")
GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "N_"}
USER_FACING_CALLS = {"flash", "abort", "jsonify"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_gettext(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) in GETTEXT_NAMES


def _is_user_facing(call: ast.Call) -> bool:
    """flash(…), abort(…), jsonify(…) (also as flask.flash) and ….errors.append(…)."""
    func = call.func
    if _name(func) in USER_FACING_CALLS:
        return True
    return (isinstance(func, ast.Attribute) and func.attr == "append"
            and isinstance(func.value, ast.Attribute) and func.value.attr == "errors")


def _bare_chinese(node: ast.AST):
    """Chinese string literals and f-strings under ``node``, gettext calls not entered."""
    if _is_gettext(node):
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
        yield node
        return
    if isinstance(node, ast.JoinedStr) and any(
            isinstance(part, ast.Constant) and CJK.search(part.value) for part in node.values):
        yield node
        return
    for child in ast.iter_child_nodes(node):
        yield from _bare_chinese(child)


def problems_in(source: str, filename: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        if _is_user_facing(node):
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                for literal in _bare_chinese(argument):
                    kind = "dict literal" if isinstance(argument, ast.Dict) else "argument"
                    problems.append(f"{filename}:{literal.lineno}: {_name(node.func)}() {kind} holds "
                                    f"untranslated {ast.unparse(literal)} — wrap it in _()")
        if _is_gettext(node) and _name(node.func) in {"_", "_l", "gettext", "lazy_gettext", "N_"}:
            message = node.args[0] if node.args else None
            if not (isinstance(message, ast.Constant) and isinstance(message.value, str)):
                shown = ast.unparse(message) if message is not None else "nothing"
                problems.append(f"{filename}:{node.lineno}: {_name(node.func)}() of {shown} — the message must be "
                                f"a string literal, variable parts as %(name)s keyword arguments")
    return problems


def _engine_user_facing(tree: ast.Module):
    """What a domain module raises, returns or appends, and its module-level tables (dicts)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            yield node.exc
        elif isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Call):
            yield node.value  # a returned call computes something else (a new instance's stored subject)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append":
            yield from node.args
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Dict):
            yield statement.value


def engine_problems_in(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename)
    problems = [f"{filename}:{literal.lineno}: untranslatable {ast.unparse(literal)} — mark it N_(…)"
                for node in _engine_user_facing(tree) for literal in _bare_chinese(node)]
    return problems + [problem for problem in problems_in(source, filename) if "N_()" in problem]


def engine_modules() -> list[Path]:
    skipped = {"certificate_pdf.py", "messages.py"}  # the certificate document; notices (我的消息) are content
    return [ROOT / "engine" / "stages.py",
            *sorted(path for path in (ROOT / "engine" / "domain").glob("*.py") if path.name not in skipped)]


def view_modules() -> list[Path]:
    return sorted(path for path in (ROOT / "webapp").glob("*.py") if not path.name.startswith("demo"))


def test_the_checker_catches_bare_chinese_and_accepts_wrapped():
    source = '''
flash("已保存", "success")
flash(f"证书 {number} 已撤销", "success")
abort(404, "任务不存在")
form.captcha.errors.append("验证码不正确")
jsonify({"error": "用户名或密码不正确", "code": "x"})
jsonify({"ok": False, "message": f"请 {n} 秒后再获取验证码"})
flash(_(f"证书 {number} 已撤销"))
flash(_("已保存"), "success")
flash(_("证书 %(number)s 已撤销", number=number), "success")
abort(404, _("任务不存在"))
form.captcha.errors.append(_("验证码不正确"))
jsonify({"error": str(MESSAGES.get(404, _l("错误"))), "code": "x"})
flash(exc.message, "warning")
abort(403)
'''
    found = problems_in(source, "example.py")
    assert sorted(int(line.split(":")[1]) for line in found) == [2, 3, 4, 5, 6, 7, 8]
    assert any(":6:" in problem and "dict literal" in problem for problem in found)
    assert any(":8:" in problem and "message must be a string literal" in problem for problem in found)


def test_views_pass_no_bare_chinese_to_users():
    modules = view_modules()
    assert {"account.py", "api.py", "tasks.py", "errors.py"} <= {path.name for path in modules}
    problems = [problem for path in modules
                for problem in problems_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not problems, "\n".join(problems)


def test_the_engine_checker_catches_unmarked_refusals_and_labels():
    source = '''
LABELS = {"a": "安全", "b": N_("性能")}
def check(x):
    if x:
        raise InputError("name", "请填写名称")
    problems.append(("title", f"请填写标题（不超过 {MAX} 个字）"))
    problems.append(("title", N_(f"请填写标题（不超过 {MAX} 个字）")))
    if x > 1:
        return "帐号审核通过后才能报名"
    notice = f"您的方案“{name}”已发布"  # a notice: content, not a refusal
    raise InputError("name", N_("请填写名称"))
    return N_("第 %(n)s 项", n=x)
'''
    found = engine_problems_in(source, "example.py")
    assert sorted(int(line.split(":")[1]) for line in found) == [2, 5, 6, 7, 9]


def test_engine_refusals_and_labels_are_marked_for_translation():
    modules = engine_modules()
    assert {"registration.py", "compliance.py", "stages.py"} <= {path.name for path in modules}
    problems = [problem for path in modules
                for problem in engine_problems_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not problems, "\n".join(problems)


def _make_messages_keywords() -> dict:
    """The keywords `make messages` adds on pybabel's command line (``-k _l``), on top of Babel's defaults."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    command = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    words = shlex.split(command)
    assert words[words.index("-F") + 1] == "babel.cfg"
    extra = [words[i + 1] for i, word in enumerate(words) if word in ("-k", "--keyword")]
    return {**DEFAULT_KEYWORDS, **parse_keywords(extra)}


def test_extraction_with_babel_cfg_finds_views_forms_and_templates():
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    found: dict[str, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=_make_messages_keywords()):
        for text in message if isinstance(message, tuple) else (message,):
            found.setdefault(text, set()).add(Path(filename).as_posix())
    expected = {
        "密码修改成功": "webapp/account.py",  # gettext in a view
        "该任务已被处理": "webapp/tasks.py",
        "用户名或密码不正确": "webapp/auth.py",
        "请 %(seconds)s 秒后再获取验证码": "webapp/register.py",  # a placeholder, not an f-string
        "“%(title)s”已发布": "webapp/articles.py",
        "页面不存在": "webapp/errors.py",  # lazy_gettext in a module-level table
        "请先登录": "webapp/auth.py",
        "统一社会信用代码": "forms/account.py",  # a form label (lazy_gettext as _l)
        "企业信息填报": "webapp/templates/account/enterprise_info.html",  # {{ _('…') }} in a template
        "请上传比对分析报告（PDF）": "engine/domain/plans.py",  # the engine's N_
        "请填写标题（不超过 %(limit)s 个字）": "engine/domain/articles.py",
        "待机构审核": "workflows/compliance_review.bpmn",  # a stage label the BPMN declares
        "正式版方案审核": "workflows/formal_plan.bpmn",  # a user task's name (its title in 待办)
    }
    for message, where in expected.items():
        assert message in found, f"{message!r} is not in the extracted catalog"
        assert where in found[message], f"{message!r} extracted from {sorted(found[message])}, not {where}"
    assert not any(path.startswith(("tests/", "node_modules/")) for paths in found.values()
                   for path in paths)
