// 登录: a click on the captcha image fetches a new one. (A static file, not an onclick attribute: the
// Content-Security-Policy runs no inline script or event handler.)
(function () {
  var image = document.getElementById("captcha-image");
  if (!image) return;
  image.addEventListener("click", function () {
    image.src = image.getAttribute("data-refresh-url") + "?" + Date.now();
  });
})();
