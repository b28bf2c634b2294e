// GB/T 4754 code fields (开展服务的领域, 所属行业): search the classes by code or name while typing.
// Each <input data-industry-search="URL" list="DATALIST"> gets the matching classes as its datalist;
// data-industry-label names the element that shows the chosen class ("C3761 自行车制造").
(function () {
  function watch(input) {
    var url = input.getAttribute('data-industry-search');
    var list = document.getElementById(input.getAttribute('list'));
    var label = document.getElementById(input.getAttribute('data-industry-label'));
    var pending;
    input.addEventListener('input', function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        var wanted = input.value.trim().toUpperCase();
        fetch(url + '?q=' + encodeURIComponent(input.value), { credentials: 'same-origin' })
          .then(function (r) { return r.json(); })
          .then(function (items) {
            var chosen = '';
            list.innerHTML = '';
            items.forEach(function (item) {
              var option = document.createElement('option');
              option.value = item.code; option.textContent = item.label;
              list.appendChild(option);
              if (item.code === wanted) chosen = item.label;
            });
            if (label) label.textContent = chosen;
          });
      }, 200);
    });
  }
  document.querySelectorAll('input[data-industry-search]').forEach(watch);
})();
