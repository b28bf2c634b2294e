// Province → city selects from the embedded GB/T 2260 data (no request per change).
(function () {
  var _ = window.duibiaoText;
  var node = document.getElementById('regions-data');
  if (!node) return;
  var regions = JSON.parse(node.textContent);
  document.querySelectorAll('[data-region-province]').forEach(function (province) {
    var city = document.getElementById(province.getAttribute('data-region-province'));
    province.addEventListener('change', function () {
      var entry = regions[province.value];
      city.innerHTML = '';
      var blank = document.createElement('option');
      blank.value = ''; blank.textContent = _('请选择城市');
      city.appendChild(blank);
      (entry ? entry.cities : []).forEach(function (pair) {
        var option = document.createElement('option');
        option.value = pair[0]; option.textContent = pair[1];
        city.appendChild(option);
      });
      if (entry && entry.cities.length === 1) city.value = entry.cities[0][0];
    });
  });
})();
