// 开展服务的领域: search GB/T 4754 classes by code or name while typing.
(function () {
  var input = document.getElementById('service_field');
  var list = document.getElementById('industry-options');
  var label = document.getElementById('industry-label');
  var url = document.getElementById('industries-script').getAttribute('data-url');
  var pending;
  input.addEventListener('input', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      fetch(url + '?q=' + encodeURIComponent(input.value), { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (items) {
          list.innerHTML = '';
          items.forEach(function (item) {
            var option = document.createElement('option');
            option.value = item.code; option.textContent = item.label;
            list.appendChild(option);
            if (item.code === input.value.toUpperCase()) label.textContent = item.label;
          });
        });
    }, 200);
  });
})();
