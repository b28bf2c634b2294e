// The scripts' words in the reader's language: the page carries their translations (webapp.i18n, a
// <script type="application/json" id="js-text"> block, present when the page is not in Chinese, the
// language the scripts are written in). var _ = window.duibiaoText; _('%(n)s 秒后重新获取', {n: 5}) → "Resend in 5 s".
window.duibiaoText = (function () {
  var block = document.getElementById('js-text');
  var words = block ? JSON.parse(block.textContent) : {};
  return function (text, params) {
    var shown = Object.prototype.hasOwnProperty.call(words, text) ? words[text] : text;
    if (!params) return shown;
    return shown.replace(/%\((\w+)\)s/g, function (whole, name) { return name in params ? String(params[name]) : whole; });
  };
})();
