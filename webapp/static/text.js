// The scripts' words in the reader's language: the page carries their translations (webapp.i18n, a
// <script type="application/json" id="js-text"> block, present when the page is not in Chinese, the
// language the scripts are written in). var _ = window.duibiaoText; _('%(n)s 秒后重新获取', {n: 5}) → "Resend in 5 s".
// Loaded in <head>, before any page script; the block comes later in the page, so it is read when first
// found (a Chinese page has none: its words are the scripts' own).
window.duibiaoText = (function () {
  var words = null;
  function current() {
    if (words !== null) { return words; }
    var block = document.getElementById('js-text');
    if (block) { words = JSON.parse(block.textContent); }
    return words || {};
  }
  return function (text, params) {
    var known = current();
    var shown = Object.prototype.hasOwnProperty.call(known, text) ? known[text] : text;
    if (!params) return shown;
    return shown.replace(/%\((\w+)\)s/g, function (whole, name) { return name in params ? String(params[name]) : whole; });
  };
})();
