// The form editor's palette: only the component types the platform renders and validates on the server,
// named in Chinese, created with Chinese default labels (form-js reads a palette entry's name from the
// registered component's config; it has no translate hook).
import { _ } from "../shared/text.js";

export const NAMES = {
  textfield: _("单行文本"),
  textarea: _("多行文本"),
  number: _("数字"),
  datetime: _("日期"),
  select: _("下拉选择"),
  radio: _("单选"),
  checkbox: _("勾选框"),
  checklist: _("多选"),
  filepicker: _("PDF 文件"),
  dynamiclist: _("重复表格"),
  text: _("说明文字"),
  group: _("分组"),
};

// What a new component of each type starts with, over form-js's own defaults.
const CREATED = {
  datetime: { dateLabel: _("日期"), subtype: "date" },
  filepicker: { accept: ".pdf" },
  text: { text: _("说明文字") },
};

/** FieldFactory calls create(attrs, isNewField): an imported component keeps what it has. */
function isNew(rest) {
  return rest.length === 0 || rest[0] !== false;
}

function chineseConfig(type, config) {
  const name = NAMES[type] || config.name || config.label;
  // FieldFactory passes config.label as every created component's default label (only if it has one).
  return {
    ...config,
    name,
    ...(config.label ? { label: name } : {}),
    create: (options = {}, ...rest) => {
      const created = config.create ? config.create(options, ...rest) : { ...options };
      const ours = { ...(CREATED[type] || {}) };
      if (type !== "text" && !options.label) ours.label = name; // over form-js's English default
      return isNew(rest) ? { ...created, ...ours, ...options } : created;
    },
  };
}

/** Rewrites the registry before the palette first reads it: supported types get Chinese names; the
 * others stay registered (a draft holding one still opens) but are not enumerable, so the palette,
 * which lists Object.entries of the registry, does not offer them. */
function restrictPalette(formFields, config) {
  const supported = new Set((config && config.supportedTypes) || Object.keys(NAMES));
  const registry = formFields._formFields;
  for (const [type, component] of Object.entries(registry)) {
    if (type === "default") continue;
    if (supported.has(type)) {
      component.config = chineseConfig(type, component.config);
    } else {
      Object.defineProperty(registry, type, { value: component, enumerable: false, writable: true, configurable: true });
    }
  }
}

function PlatformPalette(formFields, config) {
  restrictPalette(formFields, config);
}
PlatformPalette.$inject = ["formFields", "config.duibiao"];

export const platformPaletteModule = {
  __init__: ["duibiaoPalette"],
  duibiaoPalette: ["type", PlatformPalette],
};

/** A date field's name is form-js's ``dateLabel`` (its 日期名称 entry), while the server reads ``label``
 * like every field's: each edit of the one writes the other in the same command (undone with it). */
function DateLabelMirror(eventBus) {
  eventBus.on("commandStack.formField.edit.postExecute", ({ context }) => {
    const { formField, properties } = context;
    if (formField.type !== "datetime" || !("dateLabel" in properties)) return;
    context.labelBeforeMirror = formField.label;
    formField.label = properties.dateLabel;
  });
  eventBus.on("commandStack.formField.edit.postRevert", ({ context }) => {
    if ("labelBeforeMirror" in context) context.formField.label = context.labelBeforeMirror;
  });
}
DateLabelMirror.$inject = ["eventBus"];

export const dateLabelModule = {
  __init__: ["duibiaoDateLabel"],
  duibiaoDateLabel: ["type", DateLabelMirror],
};

/** A repeating table's columns are the types the server renders in a table row (forms.designed.ROW_TYPES):
 * dropping anything else into one is refused on the canvas, as form-js refuses a drop it cannot place. */
function TableColumns(dragging, formFieldRegistry, config) {
  const rowTypes = new Set((config && config.rowTypes) || []);
  const validateDrop = dragging.validateDrop.bind(dragging);
  dragging.validateDrop = (element, target) => {
    const refused = validateDrop(element, target);
    if (refused || !rowTypes.size) return refused;
    const parentNode = target.closest(".fjs-element");
    const parent = parentNode && formFieldRegistry.get(parentNode.dataset.id);
    if (!parent || parent.type !== "dynamiclist") return undefined;
    const fieldNode = element.querySelector(".fjs-element");
    const type = fieldNode ? (formFieldRegistry.get(fieldNode.dataset.id) || {}).type : element.dataset.fieldType;
    return rowTypes.has(type) ? undefined : "not a table column type";
  };
}
TableColumns.$inject = ["dragging", "formFieldRegistry", "config.duibiao"];

export const tableColumnsModule = {
  __init__: ["duibiaoTableColumns"],
  duibiaoTableColumns: ["type", TableColumns],
};
