// 登录: a click on the captcha image fetches a new one; 改用文字验证码 asks for the captcha as a question
// in words instead (read out by screen readers through the live region), which replaces the image's
// answer on the server. (A static file, not an onclick attribute: the Content-Security-Policy runs no
// inline script or event handler.)
(function () {
  var image = document.getElementById("captcha-image");
  if (!image) return;
  var question = document.querySelector("[data-captcha-question]");
  var textLink = document.querySelector("[data-captcha-text]");
  var input = document.getElementById("captcha");
  image.addEventListener("click", function () {
    image.src = image.getAttribute("data-refresh-url") + "?" + Date.now();
    if (question) question.hidden = true;
  });
  if (!textLink || !question) return;
  textLink.addEventListener("click", function (event) {
    event.preventDefault();
    fetch(textLink.href + "?" + Date.now(), {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.text(); })
      .then(function (text) {
        question.textContent = text;
        question.hidden = false;
        image.hidden = true;
        if (input) {
          input.value = "";
          input.setAttribute("aria-describedby", "captcha-question");
          input.focus();
        }
      });
  });
})();
