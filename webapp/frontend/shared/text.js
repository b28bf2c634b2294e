// The bundled editors' words in the reader's language (webapp/static/text.js reads the page's translations;
// outside a page — the lint CLI under Node — the words stay as written, in Chinese).
export function _(text, params) {
  if (typeof window !== "undefined" && typeof window.duibiaoText === "function") return window.duibiaoText(text, params);
  return text;
}

/** Whether the page is in Chinese (bpmn-js and form-js then get their Chinese translation modules). */
export function pageIsChinese() {
  return typeof document === "undefined" || (document.documentElement.lang || "zh").startsWith("zh");
}
