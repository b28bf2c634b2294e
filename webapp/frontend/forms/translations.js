// Chinese for the words form-js's editor writes itself. form-js 1.x has no translate service (unlike
// bpmn-js): its palette group titles and properties-panel entry labels are fixed English strings in
// its components. So the page swaps these exact strings in the editor's DOM as they appear; the
// designer's own words (labels, keys, texts) are never touched, since only whole strings listed here
// are replaced, and only in labels, titles, headings and placeholders.

const ZH = {
  // palette
  "Components": "组件",
  "Search components": "搜索组件",
  "Input": "输入",
  "Selection": "选择",
  "Presentation": "展示",
  "Containers": "容器",
  "No components found.": "没有找到组件。",
  "Clear content": "清空",
  // canvas
  "Build your form": "开始设计表单",
  "Drag and drop components here to start designing.": "把左侧的组件拖到这里开始设计。",
  "Use the preview window to test your form.": "用“预览”查看用户将看到的表单。",
  // properties panel
  "Select a form field to edit its properties.": "选择一个字段以编辑其属性。",
  "Field label": "字段名称",
  "Label": "名称",
  "Field description": "字段说明",
  "Key": "字段标识",
  "Binds to a form variable": "提交的数据以此为名（小写字母、数字、下划线）",
  "Text": "文字",
  "Read only": "只读",
  "Required": "必填",
  "Minimum": "最小值",
  "Maximum": "最大值",
  "Minimum length": "最少字数",
  "Maximum length": "最多字数",
  "Custom regular expression": "格式（正则表达式）",
  "Validation pattern": "校验类型",
  "Email": "电子邮箱",
  "Phone": "手机号码",
  "Custom": "自定义",
  "Decimal digits": "小数位数",
  "Increment": "步长",
  "Date label": "日期名称",
  "Checked": "勾选",
  "Not checked": "未勾选",
  "Default number of items": "默认行数",
  "Allow add/delete items": "允许增删行",
  "Disable collapse": "不折叠",
  "Number of non-collapsing items": "不折叠的行数",
  "Show outline": "显示边框",
  "Custom properties": "自定义属性",
  "Key must not be empty.": "标识不能为空。",
  "Must be unique.": "不能重复。",
  "Must not be empty.": "不能为空。",
  "Must be a unique key.": "字段标识不能重复。",
  "Value": "值",
  "Delete item": "删除",
  "Toggle section": "展开/收起",
  "Toggle list item": "展开/收起",
  "Create new list item": "新增",
  "Section contains an error": "有错误",
  "Section contains edits": "已修改",
  "Open documentation": "打开文档",
  "<empty>": "（空）",
  "Text field": "单行文本",
  "Text area": "多行文本",
  "Number": "数字",
  "Date time": "日期",
  "Radio group": "单选",
  "Checkbox": "勾选框",
  "Checkbox group": "多选",
  "File picker": "PDF 文件",
  "Dynamic list": "重复表格",
  "Text view": "说明文字",
  "Group": "分组",
  "Form": "表单",
};

const ATTRIBUTES = ["placeholder", "title", "aria-label"];
// Where the designer's own words are shown: the form's fields on the canvas, the selected field's
// label in the properties panel's header.
const DESIGNERS_WORDS = ".fjs-form-field, .bio-properties-panel-header-label";

function known(text) {
  return Object.prototype.hasOwnProperty.call(ZH, text);
}

// Words form-js writes inside a rendered field (buttons, placeholders, the repeating table's drop zone):
// translated even there — exact strings no Chinese form uses as its own label.
const FIELD_WORDS = {
  "Browse": "选择文件",
  "No files selected": "未选择文件",
  "Drag and drop components here.": "把组件拖到这里。",
  "Repeatable": "可重复",
  "Select": "请选择",
};

const CUSTOM_PROPERTY = { "Key": "属性名", "Value": "属性值" };

function translateText(node) {
  const text = node.data.trim();
  if (!text || !node.parentElement) return;
  if (Object.prototype.hasOwnProperty.call(FIELD_WORDS, text)) {
    node.data = node.data.replace(text, FIELD_WORDS[text]);
    return;
  }
  // A custom property's Key / Value are the property's name and value, not the field's key.
  const label = node.parentElement.closest("label");
  if (label && (label.htmlFor || "").startsWith("bio-properties-panel-property-") && CUSTOM_PROPERTY[text]) {
    node.data = node.data.replace(text, CUSTOM_PROPERTY[text]);
    return;
  }
  if (!known(text) || node.parentElement.closest(DESIGNERS_WORDS)) return;
  node.data = node.data.replace(text, ZH[text]);
}

function translateAttributes(element) {
  if (element.closest(DESIGNERS_WORDS)) return;
  for (const name of ATTRIBUTES) {
    const value = element.getAttribute(name);
    if (value && known(value)) element.setAttribute(name, ZH[value]);
  }
}

function translateNode(node) {
  if (node.nodeType === Node.TEXT_NODE) {
    translateText(node);
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  translateAttributes(node);
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  for (let child = walker.nextNode(); child; child = walker.nextNode()) {
    if (child.nodeType === Node.TEXT_NODE) translateText(child);
    else translateAttributes(child);
  }
}

/** Translate what is in ``root`` now and whatever form-js renders into it later. */
export function translateEditor(root) {
  translateNode(root);
  const observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === "characterData") translateNode(mutation.target);
      else mutation.addedNodes.forEach(translateNode);
    }
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  return observer;
}
