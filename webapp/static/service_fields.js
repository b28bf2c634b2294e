// 服务信息 → 服务领域: find a GB/T 4754 class by code or name and add its code to the list.
(function () {
  var script = document.getElementById('service-fields-script');
  var fields = document.getElementById('fields');
  var search = document.getElementById('field-search');
  var list = document.getElementById('field-options');
  if (!script || !fields || !search || !list) return;
  var url = script.getAttribute('data-url');
  var pending;
  function codes() {
    return fields.value.split(/[\s,，、;；]+/).filter(function (code) { return code; });
  }
  search.addEventListener('input', function () {
    clearTimeout(pending);
    var typed = search.value.trim().toUpperCase();
    var option = Array.prototype.find.call(list.options, function (o) { return o.value === typed; });
    if (option) {  // a suggestion was picked: add its code once, then clear the search
      var current = codes();
      if (current.indexOf(typed) < 0) fields.value = current.concat([typed]).join(', ');
      search.value = '';
      list.innerHTML = '';
      return;
    }
    pending = setTimeout(function () {
      fetch(url + '?q=' + encodeURIComponent(search.value), { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (items) {
          list.innerHTML = '';
          items.forEach(function (item) {
            var o = document.createElement('option');
            o.value = item.code; o.textContent = item.label;
            list.appendChild(o);
          });
        });
    }, 200);
  });
})();
