// 运行概况: a Chart.js chart above each table marked data-chart (bar | line). The table stays the
// source of the figures (and what screen readers and tests read): columns whose header carries
// data-series are plotted, one label per body row (its th[scope=row]), values from data-value.
(function () {
  "use strict";
  const COLOURS = ["#0d6efd", "#fd7e14", "#198754", "#6c757d", "#dc3545", "#6f42c1", "#20c997"];

  function read(table) {
    const headers = Array.from(table.tHead.rows[0].cells);
    const series = headers.map((cell, index) => [cell, index]).filter(([cell]) => cell.hasAttribute("data-series"));
    const rows = Array.from(table.tBodies[0].rows).filter((row) => row.querySelector("th[scope=row]"));
    return {
      labels: rows.map((row) => row.querySelector("th[scope=row]").textContent.trim()),
      datasets: series.map(([cell, index], n) => ({
        label: cell.textContent.trim(),
        data: rows.map((row) => Number(row.cells[index].dataset.value || 0)),
        backgroundColor: COLOURS[n % COLOURS.length],
        borderColor: COLOURS[n % COLOURS.length],
      })),
    };
  }

  function draw(table) {
    const data = read(table);
    if (!data.labels.length || !window.Chart) return;
    const holder = document.createElement("div");
    holder.className = "dashboard-chart mb-2";
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", table.closest("section").querySelector("h2").textContent.trim());
    holder.appendChild(canvas);
    const anchor = table.closest(".table-responsive, details") || table;
    anchor.parentNode.insertBefore(holder, anchor);
    const stacked = table.dataset.stacked === "true";
    new window.Chart(canvas, {
      type: table.dataset.chart,
      data: data,
      options: {
        maintainAspectRatio: false,
        indexAxis: table.dataset.horizontal === "true" ? "y" : "x",
        // Counts are whole numbers; a table marked data-decimals (hours) keeps its fractions.
        scales: {
          x: {stacked: stacked, beginAtZero: true, ticks: table.dataset.decimals ? {} : {precision: 0}},
          y: {stacked: stacked, beginAtZero: true, ticks: table.dataset.decimals ? {} : {precision: 0}},
        },
        plugins: {legend: {display: data.datasets.length > 1}},
      },
    });
    table.dataset.chartDrawn = "true";
  }

  document.querySelectorAll("table[data-chart]").forEach(draw);
})();
