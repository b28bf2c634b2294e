// The properties panel entries of 平台属性: each is a Preact component of the panel's own
// entry widgets, reading the element's BPMN and writing through the modeler's command stack.
import { useEffect } from "@bpmn-io/properties-panel/preact/hooks";
import { jsx } from "@bpmn-io/properties-panel/preact/jsx-runtime";
import { CheckboxEntry, CheckboxGroup, SelectEntry, TextFieldEntry } from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject } from "bpmn-js/lib/util/ModelUtil";

import {
  getPlatformProperty, getServiceOperator, setPlatformProperty, setServiceOperatorAttribute,
} from "./extension_elements.js";
import { findLane, isDefaultFlow } from "./model_queries.js";
import { _ } from "../shared/text.js";

// The page's <datalist> of stage codes in use (the entry module fills it from the catalogue).
export const STAGE_SUGGESTIONS_ID = "duibiao-stage-suggestions";

function usePlatformConfig() {
  return useService("config.duibiao", false) || {};
}

function useCatalogue() {
  return usePlatformConfig().catalogue || {};
}

/** The Chinese words of the panel (the entry module's messages, passed in the modeler's config). */
function useWords() {
  return usePlatformConfig().words || {};
}

function useWriters() {
  return { bpmnFactory: useService("bpmnFactory"), commandStack: useService("commandStack") };
}

/** Select options: a blank first, the catalogue's, and the current value when the catalogue lacks it. */
function selectOptions(words, choices, current) {
  const options = [{ value: "", label: words.none }, ...(choices || [])];
  if (current && !options.some((option) => option.value === current)) {
    options.push({ value: current, label: `${current}${words.notInCatalogue}` });
  }
  return options.map((option) => ({ value: option.value, label: option.label }));
}

// Shared render helpers: called inside an entry component's render, whose hooks they use.
function renderPropertySelect({ element, id, name, label, choices, description }) {
  const words = useWords();
  const writers = useWriters();
  return jsx(SelectEntry, {
    element, id, label, description,
    getValue: () => getPlatformProperty(element, name),
    setValue: (value) => setPlatformProperty(element, name, value, writers),
    getOptions: () => selectOptions(words, choices, getPlatformProperty(element, name)),
  });
}

function renderPropertyText({ element, id, name, label, description }) {
  const writers = useWriters();
  return jsx(TextFieldEntry, {
    element, id, label, description,
    debounce: useService("debounceInput"),
    getValue: () => getPlatformProperty(element, name),
    setValue: (value) => setPlatformProperty(element, name, value, writers),
  });
}

export function FormKeyEntry({ element, id }) {
  const words = useWords();
  const choices = useCatalogue().formKeys || [];
  const ordered = [...choices.filter((c) => c.generic), ...choices.filter((c) => !c.generic)]
    .map((c) => ({ value: c.value, label: c.label === c.value ? c.value : _("%(label)s（%(code)s）", { label: c.label, code: c.value }) }));
  // A designer-made form (or a generic one) opens in the form editor (表单), in a new tab.
  const current = getPlatformProperty(element, "formKey");
  const formsUrl = usePlatformConfig().formsUrl;
  const editable = formsUrl && choices.some((c) => c.generic && c.value === current);
  const description = editable ? jsx("a", {
    href: `${formsUrl}/${encodeURIComponent(current)}`, target: "_blank", rel: "noopener", "data-open-form": current,
    children: words.openForm,
  }) : words.formKeyHint;
  return renderPropertySelect({ element, id, name: "formKey", label: words.formKey, choices: ordered, description });
}

/** 阶段代码: a text field offering the stage codes already in use (a <datalist> on the page). */
export function StageEntry({ element, id }) {
  const words = useWords();
  useEffect(() => {
    const input = document.getElementById(`bio-properties-panel-${id}`);
    if (input) input.setAttribute("list", STAGE_SUGGESTIONS_ID);
  });
  return renderPropertyText({ element, id, name: "stage", label: words.stage, description: words.stageHint });
}

/** 阶段名称, with the name the stage code already has elsewhere (one label per code). */
export function StageLabelEntry({ element, id }) {
  const words = useWords();
  const stage = getPlatformProperty(element, "stage");
  const known = (useCatalogue().stages || []).find((s) => s.value === stage);
  const description = known ? words.stageLabelKnown.replace("{label}", known.label) : undefined;
  return renderPropertyText({ element, id, name: "stageLabel", label: words.stageLabel, description });
}

/** 办理期限（天）: timeLimitDays, the task's due date that many days after it arrives (engine.task_due). */
export function TimeLimitEntry({ element, id }) {
  const words = useWords();
  return renderPropertyText({ element, id, name: "timeLimitDays", label: words.timeLimit, description: words.timeLimitHint });
}

/** 审核选项: checkboxes stored as one comma-separated value in the catalogue's order. */
export function ReviewOptionsEntry({ element, id }) {
  const words = useWords();
  const choices = useCatalogue().reviewOptions || [];
  const writers = useWriters();
  const read = () => getPlatformProperty(element, "reviewOptions").split(",").map((v) => v.trim()).filter(Boolean);
  const write = (checked) => {
    const ordered = choices.map((c) => c.value).filter((value) => checked.includes(value));
    setPlatformProperty(element, "reviewOptions", ordered.join(","), writers);
  };
  return jsx(CheckboxGroup, {
    element, id, label: words.reviewOptions, description: words.reviewOptionsHint,
    options: choices, getValue: read, setValue: write,
  });
}

function roleLabel(words, catalogue, code) {
  const role = (catalogue.roles || []).find((r) => r.value === code);
  return role ? _("%(label)s（%(code)s）", { label: role.label, code: code }) : `${code}${words.notARole}`;
}

/** 泳道（角色）: read-only, the role of the lane the task sits in (what decides who gets the task). */
export function TaskLaneEntry({ element, id }) {
  const words = useWords();
  const catalogue = useCatalogue();
  const registry = useService("elementRegistry");
  const lane = findLane(registry, element);
  return jsx(TextFieldEntry, {
    element, id, label: words.taskLane, disabled: true,
    debounce: useService("debounceInput"),
    getValue: () => (lane ? roleLabel(words, catalogue, getBusinessObject(lane).name || "") : words.noLane),
    setValue: () => {},
  });
}

/** 角色 of a lane: the lane's name is the role code the engine reads. */
export function LaneRoleEntry({ element, id }) {
  const words = useWords();
  const modeling = useService("modeling");
  const roles = useCatalogue().roles || [];
  const current = () => getBusinessObject(element).name || "";
  const choices = roles.map((role) => ({ value: role.value, label: _("%(label)s（%(code)s）", { label: role.label, code: role.value }) }));
  return jsx(SelectEntry, {
    element, id, label: words.laneRole,
    getValue: current,
    setValue: (value) => modeling.updateProperties(element, { name: value || undefined }),
    getOptions: () => selectOptions(words, choices, current()),
  });
}

export function ServiceOperatorEntry({ element, id }) {
  const words = useWords();
  const writers = useWriters();
  const services = useCatalogue().services || [];
  const current = () => (getServiceOperator(element) && getServiceOperator(element).get("id")) || "";
  return jsx(SelectEntry, {
    element, id, label: words.serviceOperator,
    getValue: current,
    setValue: (value) => setServiceOperatorAttribute(element, "id", value, writers),
    getOptions: () => selectOptions(words, services, current()),
  });
}

export function ResultVariableEntry({ element, id }) {
  const words = useWords();
  const writers = useWriters();
  return jsx(TextFieldEntry, {
    element, id, label: words.resultVariable, description: words.resultVariableHint,
    debounce: useService("debounceInput"),
    getValue: () => (getServiceOperator(element) && getServiceOperator(element).get("resultVariable")) || "",
    setValue: (value) => setServiceOperatorAttribute(element, "resultVariable", value, writers),
  });
}

export function CalledElementEntry({ element, id }) {
  const words = useWords();
  const modeling = useService("modeling");
  const processes = useCatalogue().processes || [];
  const current = () => getBusinessObject(element).get("calledElement") || "";
  return jsx(SelectEntry, {
    element, id, label: words.calledElement,
    getValue: current,
    setValue: (value) => modeling.updateProperties(element, { calledElement: value || undefined }),
    getOptions: () => selectOptions(words, processes, current()),
  });
}

/** 条件 of a flow leaving a gateway: the body of its bpmn:conditionExpression. */
export function ConditionEntry({ element, id }) {
  const words = useWords();
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const expression = () => getBusinessObject(element).get("conditionExpression");
  const write = (value) => {
    const body = (value || "").trim();
    if (!body) {
      modeling.updateProperties(element, { conditionExpression: undefined });
    } else if (expression()) {
      modeling.updateModdleProperties(element, expression(), { body });
    } else {
      modeling.updateProperties(element, {
        conditionExpression: bpmnFactory.create("bpmn:FormalExpression", { body }),
      });
    }
  };
  return jsx(TextFieldEntry, {
    element, id, label: words.condition, description: words.conditionHint,
    debounce: useService("debounceInput"),
    getValue: () => (expression() && expression().get("body")) || "",
    setValue: write,
  });
}

/** 默认流: the gateway's `default` is this flow. */
export function DefaultFlowEntry({ element, id }) {
  const words = useWords();
  const modeling = useService("modeling");
  const source = element.source;
  return jsx(CheckboxEntry, {
    element, id, label: words.defaultFlow, description: words.defaultFlowHint,
    getValue: () => isDefaultFlow(element),
    setValue: (checked) => modeling.updateProperties(source, {
      default: checked ? getBusinessObject(element) : undefined,
    }),
  });
}

/** A short note in the group (no input): the platform's convention for timer expressions. */
export function TimerHintEntry({ id }) {
  const words = useWords();
  return jsx("div", {
    class: "bio-properties-panel-entry",
    "data-entry-id": id,
    children: jsx("div", { class: "bio-properties-panel-description", children: words.timerHint }),
  });
}
