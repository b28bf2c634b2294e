"""Checked deploys: one validation of BPMN documents, run by `duibiao workflows validate`, by
`duibiao db upgrade` before anything is deployed, and by the test suite over workflows/.

Each problem names the element (``process.element``) and says why, in the source language. What the
platform implements (form keys, service functions, process inputs, form outputs) comes in as a
``Catalogue`` so that the engine imports nothing from the forms or the business domain.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from engine import bpmn, expressions, task_due
from engine.expression_limits import _SAFE_BUILTINS, MAX_INSTANCES
from engine.text import N_, Text

ROLE_LANES = {"public", "enterprise", "institution", "office", "designer", "operator", "applicant"}
_B = f"{{{bpmn.BPMN_NS}}}"
_S = f"{{{bpmn.SPIFF_NS}}}"
FLOW_NODES = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
              "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask", "task",
              "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
              "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
# The spiffworkflow:* elements the platform reads; SpiffWorkflow would run others unchecked.
ALLOWED_EXTENSIONS = {"properties", "property", "serviceTaskOperator", "parameters", "parameter"}
_CHOICE_GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "complexGateway"}
_ISO_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_ISO_CYCLE = re.compile(r"^R\d*/")
_CARDINALITY = f"{_B}multiInstanceLoopCharacteristics/{_B}loopCardinality"
_LOOP_EXPRESSIONS = ((_CARDINALITY, N_("多实例数量表达式")),
                     (f"{_B}multiInstanceLoopCharacteristics/{_B}completionCondition", N_("多实例完成条件")),
                     (f"{_B}standardLoopCharacteristics/{_B}loopCondition", N_("循环条件")),
                     (f"{_B}conditionalEventDefinition/{_B}condition", N_("条件事件的条件")))
_passed: set[str] = set()  # digests of document sets (with their catalogue) that passed, this process


@dataclass(frozen=True)
class Problem:
    where: str  # file: process.element
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"

    @property
    def element_id(self) -> str | None:
        """The id of the element the problem names (None: the file or the process as a whole)."""
        _file, _sep, path = self.where.partition(": ")
        return path.partition(".")[2] or None


@dataclass
class Catalogue:
    """What the platform implements, for the checks that need to know it (None: not checked)."""

    form_keys: set[str] | None = None
    form_outputs: dict[str, set[str]] = field(default_factory=dict)  # form key → data its submit sets
    services: set[str] | None = None
    process_inputs: dict[str, set[str]] = field(default_factory=dict)  # process key → data given at start
    processes: set[str] = field(default_factory=set)  # keys deployed already (call activity targets)


class Refused(Exception):
    """BPMN that may not be deployed; ``problems`` says why, per element."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def refuse_problems(documents: list[tuple[str, bytes]], catalogue: Catalogue) -> None:
    """Raise Refused unless every document passes (a set that passed once is not checked again)."""
    digest = bpmn.sha256_of(repr((sorted(documents), _catalogue_key(catalogue))))
    if digest in _passed:
        return
    problems = validate_documents(documents, catalogue)
    if problems:
        raise Refused(problems)
    _passed.add(digest)


def _catalogue_key(catalogue: Catalogue):
    return (sorted(catalogue.form_keys or ()), sorted((k, sorted(v)) for k, v in catalogue.form_outputs.items()),
            sorted(catalogue.services or ()), sorted((k, sorted(v)) for k, v in catalogue.process_inputs.items()),
            sorted(catalogue.processes))


def validate_documents(documents: Iterable[tuple[str, bytes]], catalogue: Catalogue) -> list[Problem]:
    """Every problem of every document; an empty list means all of them may be deployed."""
    documents = list(documents)
    trees, problems = {}, []
    for filename, source in documents:
        try:
            trees[filename] = bpmn.parse_xml(source)
        except bpmn.BpmnError as exc:
            problems.append(Problem(filename, str(exc)))
    processes = {p.get("id"): (filename, p) for filename, tree in trees.items()
                 for p in tree.getroot().iterfind(f"{_B}process")}
    known = _known_variables(processes, catalogue)
    all_documents = {filename: source for filename, source in documents if filename in trees}
    for key, (filename, process) in processes.items():
        if process.get("isExecutable", "true") == "false":
            continue
        checker = _ProcessChecker(filename, key, process, catalogue, known[key], set(processes))
        problems.extend(checker.run())
        if not checker.problems:
            problems.extend(_spiff_problems(filename, key, all_documents))
    return problems


def _spiff_problems(filename: str, key: str, documents: dict) -> list[Problem]:
    try:
        bpmn.build_specs(documents, key)
    except bpmn.BpmnError as exc:
        return [Problem(f"{filename}: {key}", str(Text(N_("SpiffWorkflow 无法解析：%(error)s"), error=str(exc))))]
    return []


def _known_variables(processes: dict, catalogue: Catalogue) -> dict[str, set[str]]:
    """Per process: what its start data, its forms, service results and scripts set, and what its
    callees set (their data comes back) or its callers hold (a called process sees their data)."""
    own = {key: _sets(process, catalogue) | catalogue.process_inputs.get(key, set())
           for key, (_f, process) in processes.items()}
    calls = {key: {c.get("calledElement") for c in process.iter(f"{_B}callActivity")}
             for key, (_f, process) in processes.items()}
    known = {key: set(names) for key, names in own.items()}
    for _round in range(3):  # call chains are short; a few rounds reach the fixpoint
        for key, callees in calls.items():
            for callee in callees & set(known):
                known[key] |= own[callee]
                known[callee] |= known[key]
    return known


def _sets(process, catalogue: Catalogue) -> set[str]:
    names = set()
    for node in process.iter(f"{_S}serviceTaskOperator"):
        if node.get("resultVariable"):
            names.add(node.get("resultVariable"))
    for script in process.iter(f"{_B}script"):
        names |= _assigned(script.text or "")
    for task in process.iter(f"{_B}userTask"):
        names |= catalogue.form_outputs.get(_props(task).get("formKey", ""), set())
    return names


def _assigned(script: str) -> set[str]:
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()
    return {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign | ast.AugAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)}


def _props(element) -> dict[str, str]:
    found = {}
    for prop in element.iterfind(f"{_B}extensionElements/{_S}properties/{_S}property"):
        found[prop.get("name")] = prop.get("value") or ""
    return found


def _local(element) -> str:
    return etree.QName(element).localname


class _ProcessChecker:
    """The checks of one process element, collecting problems as it goes."""

    def __init__(self, filename, key, process, catalogue: Catalogue, variables: set[str], batch: set[str]):
        self.filename, self.key, self.process = filename, key, process
        self.catalogue, self.variables, self.batch = catalogue, variables, batch
        self.problems: list[Problem] = []
        self.lanes = {ref.text.strip(): lane.get("name") for lane in process.iter(f"{_B}lane")
                      for ref in lane.iterfind(f"{_B}flowNodeRef") if ref.text}
        self.nodes = {n.get("id"): n for n in process.iter() if isinstance(n.tag, str)
                      and n.tag.startswith(_B) and _local(n) in FLOW_NODES}
        self.flows = [f for f in process.iter(f"{_B}sequenceFlow")]

    def add(self, element_id: str, message: Text) -> None:
        self.problems.append(Problem(f"{self.filename}: {self.key}.{element_id}", str(message)))

    def run(self) -> list[Problem]:
        labels: dict[str, str] = {}
        for element_id, node in self.nodes.items():
            kind = _local(node)
            if kind == "userTask":
                self._user_task(element_id, node, labels)
            elif kind == "serviceTask":
                self._service_task(element_id, node)
            elif kind == "scriptTask":
                self._script(element_id, node)
            elif kind == "callActivity":
                self._call_activity(element_id, node)
            elif kind == "adHocSubProcess" and node.find(f"{_B}completionCondition") is not None:
                self.add(element_id, N_("不支持临时子流程的完成条件（它不经过安全求值器）"))
            if kind in _CHOICE_GATEWAYS:
                self._gateway(element_id, node)
            self._stage(element_id, node, labels)
            self._timers(element_id, node)
            self._loop_expressions(element_id, node)
        for flow in self.flows:
            condition = flow.find(f"{_B}conditionExpression")
            if condition is not None and (condition.text or "").strip():
                self._expression(flow.get("id"), condition.text.strip(), N_("条件"))
        self._correlations()
        self._extensions()
        self._reachability()
        return self.problems

    def _user_task(self, element_id, node, labels) -> None:
        lane = self.lanes.get(element_id)
        if lane not in ROLE_LANES:
            self.add(element_id, Text(N_("用户任务所在泳道“%(lane)s”不是角色（可用：%(roles)s）"),
                                      lane=lane or "", roles=", ".join(sorted(ROLE_LANES))))
        props = _props(node)
        form_key = props.get("formKey")
        if not form_key:
            self.add(element_id, N_("用户任务缺少表单（formKey）"))
        elif self.catalogue.form_keys is not None and form_key not in self.catalogue.form_keys:
            self.add(element_id, Text(N_("表单“%(form)s”不存在（平台没有实现这个 formKey）"), form=form_key))
        if not props.get("stage"):
            self.add(element_id, N_("用户任务缺少阶段（stage）"))
        if props.get(task_due.TIME_LIMIT) and task_due.time_limit_days(props) is None:
            self.add(element_id, Text(N_("办理期限（timeLimitDays）应为 1 至 %(max)s 之间的整数天数"),
                                      max=task_due.MAX_DAYS))

    def _stage(self, element_id, node, labels: dict[str, str]) -> None:
        props = _props(node)
        stage, label = props.get("stage"), props.get("stageLabel")
        if not stage:
            return
        if not label:
            self.add(element_id, Text(N_("阶段“%(stage)s”缺少显示名称（stageLabel）"), stage=stage))
        elif labels.setdefault(stage, label) != label:
            self.add(element_id, Text(N_("阶段“%(stage)s”的显示名称“%(label)s”与本文件中的“%(other)s”不一致"),
                                      stage=stage, label=label, other=labels[stage]))

    def _service_task(self, element_id, node) -> None:
        operator = node.find(f"{_B}extensionElements/{_S}serviceTaskOperator")
        name = operator.get("id") if operator is not None else None
        if not name:
            self.add(element_id, N_("服务任务没有指定平台函数（serviceTaskOperator）"))
        elif self.catalogue.services is not None and name not in self.catalogue.services:
            self.add(element_id, Text(N_("服务任务的平台函数“%(name)s”没有注册"), name=name))

    def _script(self, element_id, node) -> None:
        script = node.find(f"{_B}script")
        source = (script.text or "") if script is not None else ""
        if not source.strip():
            self.add(element_id, N_("脚本任务没有脚本"))
            return
        self._expression(element_id, source, N_("脚本"), mode="exec")

    def _call_activity(self, element_id, node) -> None:
        called = node.get("calledElement")
        if not called:
            self.add(element_id, N_("调用活动没有指定被调用的流程（calledElement）"))
        elif called not in self.batch and called not in self.catalogue.processes:
            self.add(element_id, Text(N_("调用活动调用的流程“%(key)s”既未部署也不在本次部署的文件中"), key=called))

    def _gateway(self, element_id, node) -> None:
        outgoing = [f for f in self.flows if f.get("sourceRef") == element_id]
        if len(outgoing) < 2:
            return
        default = node.get("default")
        for flow in outgoing:
            condition = flow.find(f"{_B}conditionExpression")
            if flow.get("id") != default and (condition is None or not (condition.text or "").strip()):
                self.add(flow.get("id"), Text(N_("网关“%(gateway)s”的出口既没有条件也不是默认流"),
                                              gateway=element_id))

    def _timers(self, element_id, node) -> None:
        for definition in node.iterfind(f"{_B}timerEventDefinition"):
            for child in definition:
                if not isinstance(child.tag, str):
                    continue
                self._timer(element_id, _local(child), (child.text or "").strip())

    def _timer(self, element_id, kind: str, text: str) -> None:
        if not text:
            self.add(element_id, N_("定时器没有时间表达式"))
            return
        try:
            literal = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            self._expression(element_id, text, N_("定时器表达式"))
            return
        if not isinstance(literal, str) or not _iso_8601(kind, literal):
            self.add(element_id, Text(N_("定时器表达式 %(text)s 不是有效的 ISO 8601 字符串（例如 \"P7D\"）"),
                                      text=text))

    def _loop_expressions(self, element_id, node) -> None:
        """Multi-instance, loop and conditional-event expressions: the engine evaluates them too."""
        for path, what in _LOOP_EXPRESSIONS:
            for child in node.iterfind(path):
                if (child.text or "").strip():
                    self._expression(element_id, child.text.strip(), what)
        for child in node.iterfind(_CARDINALITY):
            text = (child.text or "").strip()
            if text.isdigit() and int(text) > MAX_INSTANCES:
                self.add(element_id, Text(N_("多实例数量 %(count)s 超过上限 %(limit)s"),
                                          count=text, limit=MAX_INSTANCES))

    def _expression(self, element_id, source: str, what: str, mode: str = "eval") -> None:
        try:
            expressions.validate(source, mode)
        except expressions.ExpressionError as exc:
            self.add(element_id, Text(N_("%(what)s %(source)s 被安全求值器拒绝：%(error)s"),
                                      what=what, source=source[:200], error=str(exc)))
            return
        tree = ast.parse(source, mode=mode)
        known = self.variables | (_assigned(source) if mode == "exec" else set()) | _comprehension_names(tree)
        if self.catalogue.form_keys is None:  # what the platform sets is unknown: names are not checked
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in _SAFE_BUILTINS:
                self.add(element_id, Text(N_("%(what)s调用了未知函数“%(name)s”"), what=what, name=node.func.id))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in _SAFE_BUILTINS \
                    and node.id not in known:
                self.add(element_id, Text(N_("%(what)s使用了流程中没有设置的变量“%(name)s”"),
                                          what=what, name=node.id))

    def _correlations(self) -> None:
        root = self.process.getroottree().getroot()
        for element in root.iter(f"{_B}correlationPropertyRetrievalExpression", f"{_S}processVariableCorrelation"):
            self.add(element.getparent().get("id") or "correlation",
                     N_("不支持消息关联表达式（它们不经过安全求值器）"))

    def _extensions(self) -> None:
        """SpiffWorkflow runs some of its own extension elements (pre- and post-scripts, message payloads,
        decision tables…) outside the checks above: only the ones the platform reads are allowed."""
        for node in self.process.iter(f"{_S}*"):
            if _local(node) not in ALLOWED_EXTENSIONS:
                owner = next((a.get("id") for a in node.iterancestors() if a.get("id")), self.key)
                self.add(owner, Text(N_("不支持的扩展元素“spiffworkflow:%(name)s”（平台不执行它）"),
                                     name=_local(node)))

    def _reachability(self) -> None:
        reached, stack = set(), [i for i, n in self.nodes.items() if _local(n) == "startEvent"]
        attached = {}
        for element_id, node in self.nodes.items():
            if _local(node) == "boundaryEvent":
                attached.setdefault(node.get("attachedToRef"), []).append(element_id)
        targets = {}
        for flow in self.flows:
            targets.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
        while stack:
            element_id = stack.pop()
            if element_id in reached:
                continue
            reached.add(element_id)
            stack.extend(targets.get(element_id, []))
            stack.extend(attached.get(element_id, []))
            node = self.nodes.get(element_id)
            if node is not None and _local(node) in {"subProcess", "transaction", "adHocSubProcess"}:
                stack.extend(c.get("id") for c in node if isinstance(c.tag, str) and _local(c) in FLOW_NODES)
        for element_id in self.nodes:
            if element_id not in reached:
                self.add(element_id, N_("元素不可到达（没有从开始事件通向它的顺序流）"))


def _comprehension_names(tree) -> set[str]:
    return {target.id for node in ast.walk(tree) if isinstance(node, ast.comprehension)
            for target in ast.walk(node.target) if isinstance(target, ast.Name)}


def _iso_8601(kind: str, value: str) -> bool:
    if kind == "timeDuration":
        return bool(_ISO_DURATION.match(value))
    if kind == "timeDate":
        return bool(_ISO_DATE.match(value))
    if kind == "timeCycle":
        parts = value.split("/")
        return bool(_ISO_CYCLE.match(value)) and len(parts) in (2, 3) and (
            bool(_ISO_DURATION.match(parts[-1])) or bool(_ISO_DATE.match(parts[-1])))
    return False


def problems_of(documents: dict[str, bytes], key: str, catalogue: Catalogue | None = None) -> list[str]:
    """The problems of one process among ``documents`` (file name → XML), as lines."""
    found = validate_documents(documents.items(), catalogue or _engine_catalogue())
    return [str(p) for p in found if f": {key}." in p.where or p.where.endswith(f": {key}")
            or ":" not in p.where]


def validate_shipped(catalogue: Catalogue | None = None) -> list[str]:
    """The problems of workflows/*.bpmn, as lines (an empty list: every file may be deployed)."""
    import workflows

    return [str(p) for p in validate_documents(workflows.bpmn_files(), catalogue or _engine_catalogue())]


def _engine_catalogue() -> Catalogue:
    """What the engine alone knows: the registered service functions (forms are the layer above)."""
    from engine import services

    return Catalogue(services=set(services.registry) if services.registry else None)
