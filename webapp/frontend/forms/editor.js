// The designer's form editor (表单): form-js's FormEditor with the platform's palette and 平台属性,
// bundled by esbuild. The page (templates/design/forms/editor.html) gives the URLs as data attributes
// and the draft's schema, the supported types and the 数据字典 lists as JSON;
// window.duibiaoFormEditor and body[data-form-editor-state] are for tests.
import { FormEditor } from "@bpmn-io/form-js-editor";

import { dateLabelModule, platformPaletteModule, tableColumnsModule } from "./palette.js";
import { pendingEditsModule } from "./pending_edits.js";
import { platformPropertiesModule } from "./platform_properties.js";
import { ServerProblems } from "./server_problems.js";
import { translateEditor } from "./translations.js";
import { FormWorkspace } from "./workspace.js";
import { _, pageIsChinese } from "../shared/text.js";

// Every word of this page's script the designer reads.
const MESSAGES = {
  unsaved: _("有未保存的修改"),
  saving: _("正在保存…"),
  saved: _("已保存 {at}"),
  saveFailed: _("保存失败："),
  checking: _("正在检查…"),
  checked: _("检查完成：{count} 个问题"),
  checkedClean: _("检查通过：没有问题"),
  checkFailed: _("检查失败："),
  previewing: _("正在生成预览…"),
  previewed: _("预览已更新"),
  previewFailed: _("预览失败："),
  networkError: _("网络错误，请稍后重试"),
  httpError: _("服务器返回 {status}"),
  loadFailed: _("表单加载失败："),
  problemsHeading: _("服务器检查：{count} 个问题"),
  noProblems: _("服务器检查：没有问题"),
  problemBadge: _("有问题"),
  // 平台属性
  platformGroup: _("平台属性"),
  outcome: _("作为流程结果（网关条件可读）"),
  outcomeHint: _("提交后这个字段的值写入流程数据，网关条件可以读取；其他字段只保存在提交记录中"),
  maxSize: _("文件大小上限（MB）"),
  maxSizeHint: _("必填（1 至 {max}）：没有大小上限的文件字段不能部署；只接受 PDF"),
  minRows: _("最少行数"),
  minRowsHint: _("提交时表格至少要填的行数（0 至 {max}）"),
  context: _("办理信息（只读）"),
  noContext: _("（不是：由用户填写）"),
  contextHint: _("只读字段显示办理事项的信息，如方案名称、当前状态；选择后字段标识随之设置"),
  textfield: _("单行文本"),
  title: _("表单名称"),
  titleHint: _("表单列表中显示的名称"),
  dictionary: _("数据字典"),
  dictionaryHint: _("选项来自平台的数据字典；不选则在下方“选项”中逐项填写"),
  inlineOptions: _("（不用数据字典：逐项填写选项）"),
  unknownDictionary: _("（不是数据字典中的列表）"),
  option: _("选项"),
  requiredUnless: _("必填，除非"),
  requiredUnlessHint: _("写成 字段标识=值，如 decision=approve：该字段为此值时本字段可以不填"),
};

function readConfig() {
  const script = document.getElementById("form-editor-config");
  try {
    return JSON.parse(script ? script.textContent : "{}") || {};
  } catch (error) {
    return {};
  }
}

async function start() {
  const page = document.querySelector("[data-form-editor]");
  if (!page) return;
  document.body.dataset.formEditorState = "loading";
  const config = readConfig();
  const container = page.querySelector("[data-form-canvas]");
  if (pageIsChinese()) translateEditor(container); // form-js speaks English: Chinese only on a Chinese page
  const editor = new FormEditor({
    container,
    duibiao: {
      words: MESSAGES, supportedTypes: config.supportedTypes, dictionaries: config.dictionaries,
      contextKeys: config.contextKeys, outcomeTypes: config.outcomeTypes, maxFileMb: config.maxFileMb,
      rowTypes: config.rowTypes,
    },
    additionalModules: [
      platformPaletteModule, platformPropertiesModule, dateLabelModule, pendingEditsModule, tableColumnsModule,
    ],
  });
  const problems = new ServerProblems(editor, page.querySelector("[data-form-problems]"), MESSAGES);
  const workspace = new FormWorkspace({ editor, page, problems, words: MESSAGES });
  window.duibiaoFormEditor = {
    editor, save: () => workspace.save(), check: () => workspace.check(), preview: () => workspace.showPreview(),
  };
  try {
    await editor.importSchema(config.schema);
    workspace.setStatus(MESSAGES.saved.replace("{at}", ""), "success");
    document.body.dataset.formEditorState = "ready";
  } catch (error) {
    workspace.setStatus(MESSAGES.loadFailed + (error && error.message ? error.message : String(error)), "danger");
    document.body.dataset.formEditorState = "error";
    if (window.console) console.error(error);
  }
}

start();
