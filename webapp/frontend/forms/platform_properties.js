// The form editor's properties panel: form-js's groups the platform does not read are left out (FEEL
// conditions, layout, appearance, serialization…), the rest get Chinese titles, and a 平台属性 group sets
// the platform's conventions without typing JSON: 作为流程结果, 文件大小上限（MB）, 最少行数, 数据字典,
// 办理信息（只读）, 必填，除非.
import { h } from "preact";
import { _ } from "../shared/text.js";

const INPUTS = ["textfield", "textarea", "number", "datetime", "select", "radio", "checkbox", "checklist"];
const OPTION_INPUTS = ["select", "radio", "checklist"];
const CONTEXT_INPUTS = ["textfield", "textarea"];

const KEPT_GROUPS = {
  general: _("常规"),
  staticOptions: _("选项"),
  validation: _("校验规则"),
  "custom-values": _("自定义属性"),
};
// Entries of the kept groups that set something the server does not read (or sets itself: PDF only).
// The form's own id is its key, fixed at 新建表单.
const DROPPED_ENTRIES = new Set([
  "id", "versionTag", "subtype", "use24h", "time-label", "time-format", "time-interval", "disabled",
  "searchable", "accept", "multiple", "defaultValue", "path", "patternErrorMessage",
]);

function properties(field) {
  return field.properties || {};
}

/** The field's custom properties with ``name`` set to ``value`` (removed when empty). */
function withProperty(field, name, value) {
  const next = { ...properties(field) };
  if (value === "" || value === null || value === undefined) delete next[name];
  else next[name] = String(value);
  return Object.keys(next).length ? next : undefined;
}

function entryShell(id, children, description) {
  return h("div", { class: "bio-properties-panel-entry", "data-entry-id": id }, [
    ...children,
    description ? h("div", { class: "bio-properties-panel-description" }, description) : null,
  ]);
}

function label(forId, text) {
  return h("label", { for: forId, class: "bio-properties-panel-label" }, text);
}

function OutcomeEntry({ field, editField, words }) {
  const id = "duibiao-outcome";
  return entryShell("outcome", [h("div", { class: "bio-properties-panel-checkbox" }, [
    h("input", {
      id, type: "checkbox", class: "bio-properties-panel-input",
      checked: properties(field).outcome === "true",
      onChange: (event) => editField(field, "properties", withProperty(field, "outcome", event.target.checked ? "true" : "")),
    }),
    label(id, words.outcome),
  ])], words.outcomeHint);
}

/** A whole number kept as a custom property (文件大小上限, 最少行数). */
function propertyNumberEntry(name, max, labelWord, hintWord) {
  return function PropertyNumberEntry({ field, editField, words }) {
    const id = `duibiao-${name}`;
    return entryShell(name, [
      label(id, words[labelWord]),
      h("input", {
        id, type: "number", min: "0", max: String(max), step: "1", class: "bio-properties-panel-input",
        value: properties(field)[name] || "",
        onInput: (event) => editField(field, "properties", withProperty(field, name, event.target.value.trim())),
      }),
    ], words[hintWord].replace("{max}", String(max)));
  };
}

/** 办理信息（只读）: a read-only text field showing something of the subject, named by its key. */
function ContextEntry({ field, editField, words, contextKeys }) {
  const id = "duibiao-context";
  const current = field.readonly === true && contextKeys.some((c) => c.value === field.key) ? field.key : "";
  const choose = (event) => {
    const key = event.target.value;
    if (!key) {
      editField(field, { readonly: false });
      return;
    }
    const label = contextKeys.find((c) => c.value === key).label;
    editField(field, { key, readonly: true, label: field.label && field.label !== words.textfield ? field.label : label });
  };
  return entryShell("context", [
    label(id, words.context),
    h("select", { id, class: "bio-properties-panel-input", value: current, onChange: choose }, [
      h("option", { value: "" }, words.noContext),
      ...contextKeys.map((c) => h("option", { value: c.value }, _("%(label)s（%(code)s）", { label: c.label, code: c.value }))),
    ]),
  ], words.contextHint);
}

function DictionaryEntry({ field, editField, words, dictionaries }) {
  const id = "duibiao-dictionary";
  const choose = (event) => {
    const name = event.target.value;
    // A list from the 数据字典 replaces inline options, and inline options come back when none is chosen.
    if (name) editField(field, { valuesKey: name, values: undefined });
    else editField(field, { valuesKey: undefined, values: field.values || [{ label: words.option, value: "option" }] });
  };
  const current = field.valuesKey || "";
  const known = dictionaries.some((d) => d.value === current);
  return entryShell("valuesKey", [
    label(id, words.dictionary),
    h("select", { id, class: "bio-properties-panel-input", value: current, onChange: choose }, [
      h("option", { value: "" }, words.inlineOptions),
      ...dictionaries.map((d) => h("option", { value: d.value }, _("%(label)s（%(code)s）", { label: d.label, code: d.value }))),
      current && !known ? h("option", { value: current }, `${current}${words.unknownDictionary}`) : null,
    ]),
  ], words.dictionaryHint);
}

function RequiredUnlessEntry({ field, editField, words }) {
  const id = "duibiao-required-unless";
  return entryShell("requiredUnless", [
    label(id, words.requiredUnless),
    h("input", {
      id, type: "text", class: "bio-properties-panel-input", placeholder: "decision=approve",
      value: properties(field).requiredUnless || "",
      onInput: (event) => editField(field, "properties", withProperty(field, "requiredUnless", event.target.value.trim())),
    }),
  ], words.requiredUnlessHint);
}

/** The form's own 名称 (its schema's ``title``), shown in the lists and on the task page. */
function TitleEntry({ field, editField, words }) {
  const id = "duibiao-title";
  return entryShell("title", [
    label(id, words.title),
    h("input", {
      id, type: "text", maxLength: 60, class: "bio-properties-panel-input", value: field.title || "",
      onInput: (event) => editField(field, "title", event.target.value.trim() || undefined),
    }),
  ], words.titleHint);
}

function platformEntries(field, editField, context) {
  const entry = (id, component, isEdited) => ({ id, component, field, editField, isEdited, ...context });
  const hasProperty = (name) => () => !!properties(field)[name];
  const entries = [];
  if (field.type === "default") entries.push(entry("title", TitleEntry, () => !!field.title));
  if (field.type === "filepicker") {
    entries.push(entry("maxSizeMb", propertyNumberEntry("maxSizeMb", context.maxFileMb, "maxSize", "maxSizeHint"),
      hasProperty("maxSizeMb")));
  }
  if (field.type === "dynamiclist") {
    entries.push(entry("minRows", propertyNumberEntry("minRows", 100, "minRows", "minRowsHint"), hasProperty("minRows")));
  }
  if (CONTEXT_INPUTS.includes(field.type)) entries.push(entry("context", ContextEntry, () => field.readonly === true));
  if (OPTION_INPUTS.includes(field.type)) entries.push(entry("valuesKey", DictionaryEntry, () => !!field.valuesKey));
  if (context.outcomeTypes.includes(field.type)) {
    entries.push(entry("outcome", OutcomeEntry, () => properties(field).outcome === "true"));
  }
  if (INPUTS.includes(field.type)) entries.push(entry("requiredUnless", RequiredUnlessEntry, hasProperty("requiredUnless")));
  return entries;
}

class PlatformPropertiesProvider {
  constructor(propertiesPanel, config) {
    this.context = {
      words: config.words, dictionaries: config.dictionaries || [], contextKeys: config.contextKeys || [],
      outcomeTypes: config.outcomeTypes || [], maxFileMb: config.maxFileMb || 20,
    };
    this.words = config.words;
    propertiesPanel.registerProvider(this, 500); // after form-js's own provider (1000)
  }

  getGroups(field, editField) {
    return (groups) => {
      if (!field) return groups;
      const kept = groups
        .filter((group) => group.id in KEPT_GROUPS)
        .map((group) => ({
          ...group,
          label: KEPT_GROUPS[group.id],
          ...(group.id === "general" ? { shouldOpen: true } : {}),
          ...(group.entries ? { entries: group.entries.filter((e) => !DROPPED_ENTRIES.has(e.id)) } : {}),
        }))
        .filter((group) => group.items || (group.entries && group.entries.length));
      const ours = platformEntries(field, editField, this.context);
      if (!ours.length) return kept;
      const platform = { id: "duibiao", label: this.words.platformGroup, entries: ours, shouldOpen: true };
      return [kept[0], platform, ...kept.slice(1)].filter(Boolean);
    };
  }
}
PlatformPropertiesProvider.$inject = ["propertiesPanel", "config.duibiao"];

export const platformPropertiesModule = {
  __init__: ["duibiaoPropertiesProvider"],
  duibiaoPropertiesProvider: ["type", PlatformPropertiesProvider],
};
