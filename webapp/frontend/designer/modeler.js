// The designer's modeler (流程设计): bpmn-js Modeler, properties panel and lint, bundled by esbuild.
// The page (templates/design/modeler.html) gives the URLs as data attributes and the catalogue
// as JSON; window.duibiaoDesigner and body[data-designer-state] are for tests.
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import lintModule from "bpmn-js-bpmnlint";

import { lintConfig } from "./lint/index.js";
import { platformPropertiesModule } from "./platform_provider.js";
import { STAGE_SUGGESTIONS_ID } from "./platform_entries.js";
import { ServerProblems } from "./server_problems.js";
import spiffworkflowDescriptor from "./spiffworkflow.json";
import { translateModule } from "./translations.js";
import { keepUnknownSpiffworkflowElements } from "./unknown_elements.js";
import { Workspace } from "./workspace.js";
import { _, pageIsChinese } from "../shared/text.js";

// Every word of this page's script the designer reads.
const MESSAGES = {
  // status line
  notSavedYet: _("尚未保存为草稿"),
  unsaved: _("有未保存的修改"),
  saving: _("正在保存…"),
  saved: _("已保存 {at}"),
  saveFailed: _("保存失败："),
  validating: _("正在检查…"),
  validated: _("检查完成：{count} 个问题"),
  validatedClean: _("检查通过：没有问题"),
  validateFailed: _("检查失败："),
  networkError: _("网络错误，请稍后重试"),
  httpError: _("服务器返回 {status}"),
  loadFailed: _("流程图加载失败："),
  importWarnings: _("部分内容无法识别，保存后将丢失："),
  // server problems
  serverBadge: _("服务器"),
  problemsHeading: _("服务器检查：{count} 个问题"),
  noProblems: _("服务器检查：没有问题"),
  // properties panel (平台属性)
  group: _("平台属性"),
  none: _("（未选择）"),
  notInCatalogue: _("（不在平台目录中）"),
  notARole: _("（不是平台角色）"),
  noLane: _("（不在任何泳道中）"),
  formKey: _("表单"),
  openForm: _("在表单编辑器中打开"),
  formKeyHint: _("新的表单在 流程管理 → 表单 中制作"),
  stage: _("阶段代码"),
  stageHint: _("英文代码，如 plan_review；同一代码在文件中只对应一个阶段名称"),
  stageLabel: _("阶段名称"),
  stageLabelKnown: _("此阶段代码已用的名称：{label}"),
  reviewOptions: _("审核选项"),
  reviewOptionsHint: _("都不选时提供全部三项"),
  timeLimit: _("办理期限（天）"),
  timeLimitHint: _("整数天数，如 5：任务到达后 5 天到期（待办的已超期 / 即将到期）；任务上的定时边界事件优先"),
  taskLane: _("泳道（角色）"),
  laneRole: _("角色"),
  serviceOperator: _("平台函数"),
  resultVariable: _("结果变量"),
  resultVariableHint: _("函数的结果存入此变量，如 approve_plan_result"),
  calledElement: _("被调用流程"),
  condition: _("条件"),
  conditionHint: _("如 decision == \"approve\""),
  defaultFlow: _("默认流"),
  defaultFlowHint: _("其他流的条件都不成立时走默认流；默认流没有条件"),
  timerHint: _("平台约定：时长等写成带引号的字符串，如 \"P7D\"，或给出这种字符串的表达式"),
};

function readCatalogue() {
  const script = document.getElementById("designer-catalogue");
  try {
    return JSON.parse(script ? script.textContent : "{}") || {};
  } catch (error) {
    return {};
  }
}

/** The <datalist> the 阶段代码 field offers: the stage codes already used. */
function addStageSuggestions(stages) {
  const list = document.createElement("datalist");
  list.id = STAGE_SUGGESTIONS_ID;
  for (const stage of stages || []) {
    const option = document.createElement("option");
    option.value = stage.value;
    option.label = stage.label;
    list.append(option);
  }
  document.body.append(list);
}

function createModeler(page, catalogue) {
  return new BpmnModeler({
    container: page.querySelector("[data-designer-canvas]"),
    propertiesPanel: {
      parent: page.querySelector("[data-designer-properties]"),
      layout: { groups: { general: { open: true }, duibiao: { open: true } } },
    },
    linting: { active: true, bpmnlint: lintConfig(catalogue) },
    duibiao: { catalogue, words: MESSAGES, formsUrl: page.dataset.formsUrl },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, platformPropertiesModule,
      // bpmn-js speaks English: its Chinese translation only on a Chinese page.
      lintModule, ...(pageIsChinese() ? [translateModule] : []),
    ],
    moddleExtensions: { spiffworkflow: spiffworkflowDescriptor },
  });
}

/** Moddle drops elements it cannot read (misplaced or malformed): say so before a save loses them. */
function unreadableContent(warnings) {
  return (warnings || [])
    .map((warning) => /unparsable content <([^>]+)>/.exec(warning.message || ""))
    .filter(Boolean)
    .map((match) => match[1]);
}

/** Fit the diagram, leaving room on the left for the palette that floats over the canvas. */
function fitWithRoomForPalette(canvas) {
  canvas.zoom("fit-viewport", "auto");
  const { width, height } = canvas.getSize();
  canvas.zoom(canvas.zoom() * 0.85, { x: width / 2, y: height / 2 });
  canvas.scroll({ dx: 50, dy: 0 });
}

async function openDiagram(page, modeler, workspace) {
  try {
    const response = await fetch(page.dataset.xmlUrl, { credentials: "same-origin" });
    if (!response.ok) throw new Error(MESSAGES.httpError.replace("{status}", String(response.status)));
    const { warnings } = await modeler.importXML(await response.text());
    fitWithRoomForPalette(modeler.get("canvas"));
    workspace.imported();
    const lost = unreadableContent(warnings);
    if (lost.length) workspace.setStatus(MESSAGES.importWarnings + lost.join(_("、")), "danger");
    document.body.dataset.designerState = "ready";
  } catch (error) {
    workspace.setStatus(MESSAGES.loadFailed + (error && error.message ? error.message : String(error)), "danger");
    document.body.dataset.designerState = "error";
    if (window.console) console.error(error);
  }
}

function start() {
  const page = document.querySelector("[data-designer]");
  if (!page) return;
  document.body.dataset.designerState = "loading";
  const catalogue = readCatalogue();
  addStageSuggestions(catalogue.stages);
  const modeler = createModeler(page, catalogue);
  keepUnknownSpiffworkflowElements(modeler.get("moddle"));
  const problems = new ServerProblems(modeler, page.querySelector("[data-designer-problems]"), MESSAGES);
  const workspace = new Workspace({ modeler, page, problems, words: MESSAGES });
  window.duibiaoDesigner = { modeler, save: () => workspace.save(), validate: () => workspace.validate() };
  openDiagram(page, modeler, workspace);
}

start();
