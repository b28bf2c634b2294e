// 我要对标 新增自我声明: 对比标准 and 指标 rows (新增 and 删除); names renumbered so WTForms reads
// <list>-N-<field>. (A static file: the Content-Security-Policy runs no inline script.)
document.querySelectorAll('table[data-rows]').forEach(function (table) {
  var prefix = table.getAttribute('data-rows');
  var body = table.querySelector('tbody');
  var template = document.querySelector('template[data-rows-template="' + prefix + '"]');
  function renumber() {
    body.querySelectorAll('tr.entry-row').forEach(function (row, index) {
      row.querySelector('.row-number').textContent = index + 1;
      row.querySelectorAll('input').forEach(function (input) {
        input.name = prefix + '-' + index + '-' + input.getAttribute('data-name');
        input.id = input.name;
      });
    });
  }
  document.querySelector('[data-add-row="' + prefix + '"]').addEventListener('click', function () {
    body.appendChild(template.content.cloneNode(true));
    renumber();
  });
  body.addEventListener('click', function (event) {
    if (event.target.classList.contains('remove-row') && body.querySelectorAll('tr.entry-row').length > 1) {
      event.target.closest('tr').remove();
      renumber();
    }
  });
});
