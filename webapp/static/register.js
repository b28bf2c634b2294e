// 获取验证码 without leaving the page: the filled fields and chosen files stay.
(function () {
  var _ = window.duibiaoText;
  var form = document.getElementById('register-form');
  var button = document.getElementById('sms-button');
  var status = document.getElementById('sms-status');
  var qualification = document.getElementById('qualification-row');
  function syncType() {
    var chosen = form.querySelector('input[name="user_type"]:checked');
    qualification.style.display = chosen && chosen.value === 'enterprise' ? 'none' : '';
  }
  form.querySelectorAll('input[name="user_type"]').forEach(function (r) { r.addEventListener('change', syncType); });
  syncType();
  function countdown(seconds) {
    button.disabled = true;
    var left = seconds;
    button.textContent = _('%(seconds)s 秒后重新获取', { seconds: left });
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) { clearInterval(timer); button.disabled = false; button.textContent = _('获取验证码'); return; }
      button.textContent = _('%(seconds)s 秒后重新获取', { seconds: left });
    }, 1000);
  }
  button.addEventListener('click', function () {
    var body = new FormData();
    body.append('phone', document.getElementById('phone').value);
    body.append('csrf_token', form.querySelector('input[name="csrf_token"]').value);
    button.disabled = true;
    fetch(button.getAttribute('data-url'), { method: 'POST', body: body, credentials: 'same-origin' })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        status.textContent = result.message;
        status.className = 'form-text ' + (result.ok ? 'text-success' : 'text-danger');
        if (result.retry_after) countdown(result.retry_after); else button.disabled = false;
      })
      .catch(function () { status.textContent = _('发送失败，请稍后重试'); status.className = 'form-text text-danger'; button.disabled = false; });
  });
})();
