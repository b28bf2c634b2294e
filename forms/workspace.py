"""What the designer's workspace checks before a process version may run: the server's validation (in
the context of the other processes as deployed) and the process's scenarios; and what the modeler
needs to offer (form keys, functions, roles, processes, stages)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from engine import bpmn, definitions, designs, form_definitions, services, validation
from engine.domain import operations
from engine.text import localized
from forms import designed, form_deploy, generic_tasks, tasks

GENERIC_FORMS = {"generic_review": _l("通用审核（通过 / 退回修改 / 不予通过，附审核意见）"),
                 "generic_opinion": _l("通用意见（意见，可附 PDF）")}
LANE_ROLES = sorted(validation.ROLE_LANES)  # what the server accepts as a lane's role


class DeployRefused(validation.Refused):
    """A version that may not run: its validation problems and the scenarios that failed."""

    def __init__(self, problems: list[validation.Problem], failed: list):
        super().__init__(problems)
        self.failed = failed


@dataclass
class Checked:
    problems: list[validation.Problem] = field(default_factory=list)
    results: list = field(default_factory=list)  # forms.scenarios results

    @property
    def failed(self) -> list:
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> bool:
        """Valid, with at least one scenario, every scenario passing."""
        return not self.problems and bool(self.results) and not self.failed


def problems(session: Session, process_key: str, xml: str | bytes) -> list[validation.Problem]:
    """The server's validation of one process's document, with the other processes as deployed (what
    its call activities call, what calls it) as context; only the document's own problems."""
    filename = f"{process_key}.bpmn"
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    context = [(f"{d.key}-v{d.version}.bpmn", d.bpmn_xml.encode("utf-8"))
               for d in designs.current_definitions(session) if d.key != process_key]
    found = validation.validate_documents([(filename, data), *context],
                                          tasks.catalogue(definitions.deployed_keys(session), designer_forms(session)))
    own = [p for p in found if p.where.split(":")[0] == filename]
    # The open drafts of the designer-made forms it names are deployed with it: their problems are its.
    drafts = form_definitions.open_drafts(session, form_definitions.form_keys_of(data))
    return own + [p for key, draft in sorted(drafts.items()) for p in form_deploy.refusals(key, draft.schema)]


def designer_forms(session: Session) -> dict[str, dict]:
    """Every designer-made form as it will be once the open drafts are deployed: key → schema."""
    return {**designed.shipped_forms(), **form_definitions.current_schemas(session),
            **form_definitions.draft_schemas(session)}


def check(session: Session, process_key: str, xml: str | bytes, texts: dict[str, str] | None = None,
          workflows_dir=None) -> Checked:
    """Validation, then (when it passes) the process's scenarios run against ``xml`` in a sandbox holding
    the other processes as they run now: ``texts`` ({file name: YAML}, a draft's own), or the files
    beside the shipped process (and the designer's folder, ``workflows_dir``) when None."""
    checked = Checked(problems(session, process_key, xml))
    if not checked.problems:
        from forms import scenarios

        text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
        if texts is None:
            texts = scenario_texts(process_key, workflows_dir)
        sandbox = scenarios.Sandbox(documents=running_documents(session), forms=designer_forms(session))
        try:
            checked.results = scenarios.run_texts(process_key, texts, overrides={process_key: text}, sandbox=sandbox)
        finally:
            sandbox.close()
    return checked


def running_documents(session: Session) -> list[tuple[str, bytes]]:
    """The current version of every process, as (file name, XML): the world a draft is tried in."""
    return [(f"{d.key}.bpmn", d.bpmn_xml.encode("utf-8")) for d in designs.current_definitions(session)]


def deploy_check(session: Session, workflows_dir=None, forms_by: int | None = None) -> designs.Check:
    """The check designs.deploy_draft / make_current_again call: refuses with DeployRefused. With
    ``forms_by`` (the deploying designer), a passing draft's named form drafts are deployed first, so
    that the new process version is bound to them."""
    def refuse_unless_passing(process_key: str, xml: str, texts: dict | None) -> None:
        checked = check(session, process_key, xml, texts, workflows_dir)
        if not checked.passed:
            raise DeployRefused(checked.problems, checked.failed)
        if forms_by is not None:
            drafts = form_definitions.open_drafts(session, form_definitions.form_keys_of(xml))
            form_definitions.deploy_drafts(session, drafts, forms_by, None)

    return refuse_unless_passing


def scenario_texts(process_key: str, workflows_dir=None) -> dict[str, str]:
    """The scenario files beside the shipped process (the designer's folder's over them): {name: YAML}."""
    from forms.scenarios import format as scenario_format

    paths = scenario_format.scenario_files(process_key, scenario_format.roots(None, workflows_dir))
    return {path.name: path.read_text(encoding="utf-8") for path in paths}


def initial_scenarios(session: Session, process_key: str, workflows_dir=None) -> dict[str, str]:
    """What a new draft's scenarios start as: the current version's, else the shipped files."""
    current = definitions.current(session, process_key)
    if current is not None and current.scenarios is not None:
        return dict(current.scenarios)
    return scenario_texts(process_key, workflows_dir)


def modeler_catalogue(session: Session) -> dict:
    """What the modeler's properties panel offers and its lint checks against (JSON-able)."""
    services.load_all()
    current = designs.current_definitions(session)
    named = {d.key: _process_name(d) for d in current}
    return {
        "roles": [{"value": role, "label": str(localized(operations.role_label(role)))} for role in LANE_ROLES],
        "formKeys": _form_keys(session),
        "services": [{"value": name, "label": name} for name in sorted(services.registry)],
        "processes": [{"value": key, "label": str(localized(name))} for key, name in sorted(named.items())],
        "reviewOptions": [{"value": key, "label": str(localized(label))}
                          for key, label in generic_tasks.REVIEW_OPTIONS.items()],
        "stages": _stages(current),
    }


def _form_keys(session: Session) -> list[dict]:
    """The generic forms first, then the other designer-made forms, then the platform's own."""
    made = designer_forms(session)
    generic = [{"value": key, "label": str(localized(label)), "generic": True} for key, label in GENERIC_FORMS.items()]
    others = [{"value": key, "label": str(_l("%(label)s（%(code)s）", label=localized(designed.title(schema, key)),
                                             code=key)), "generic": True}
              for key, schema in sorted(made.items()) if key not in GENERIC_FORMS]
    own = [{"value": key, "label": key, "generic": False} for key in sorted(tasks.TASK_FORMS)]
    return generic + others + own


def _process_name(definition) -> str:
    infos = bpmn.describe(bpmn.parse_xml(definition.bpmn_xml))
    return next((info.name for info in infos if info.key == definition.key), definition.key)


def _stages(current) -> list[dict]:
    found: dict[str, str] = {}
    for definition in current:
        for props in bpmn.element_properties(definition.bpmn_xml):
            if props.get("stage") and props.get("stageLabel"):
                found.setdefault(props["stage"], props["stageLabel"])
    return [{"value": code, "label": label} for code, label in sorted(found.items())]


def scenario_names(session: Session, process_key: str, root=None) -> list[str]:
    """The scenario files of the current version (file names, for the process page)."""
    return sorted(initial_scenarios(session, process_key, root))


SCENARIO_FILE = re.compile(r"^[\w\-]{1,80}\.yaml$")


def submitted_scenarios(form) -> tuple[dict[str, str], dict[str, list]]:
    """The scenario files of the 编辑场景 form: ``text:<name>`` fields (``delete:<name>`` drops one) and a
    new file (``new_name`` + ``new_text``); errors by field for bad file names."""
    texts = {key.removeprefix("text:"): value.replace("\r\n", "\n") for key, value in form.items()
             if key.startswith("text:") and not form.get("delete:" + key.removeprefix("text:"))}
    errors: dict[str, list] = {}
    new_name, new_text = (form.get("new_name") or "").strip(), (form.get("new_text") or "").replace("\r\n", "\n")
    if new_name or new_text.strip():
        if not new_name.endswith(".yaml"):
            new_name += ".yaml"
        if not SCENARIO_FILE.match(new_name):
            errors["new_name"] = [_l("文件名只能包含字母、数字、下划线和连字符，以 .yaml 结尾")]
        elif new_name in texts:
            errors["new_name"] = [_l("已有同名的场景文件")]
        else:
            texts[new_name] = new_text
    bad = [name for name in texts if not SCENARIO_FILE.match(name)]
    for name in bad:
        errors[name] = [_l("文件名只能包含字母、数字、下划线和连字符，以 .yaml 结尾")]
    return texts, errors


def scenario_problems(name: str, text: str) -> list:
    """What is wrong with one scenario file's text (unreadable YAML, a step the runner cannot do)."""
    from forms import scenarios

    return scenarios.problems_of_text(name, text)
