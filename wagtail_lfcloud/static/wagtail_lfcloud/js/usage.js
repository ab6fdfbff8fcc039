// The Usage view's charts (Chart.js, vendored): deliveries per day by kind, and by channel.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("lfcloud-usage-data");
    if (!node || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    var kinds = Object.keys(data.labels);
    var colours = ["#007d7e", "#e9b04d", "#2e1f5e", "#cd4444", "#5a8dee"];
    var days = document.getElementById("lfcloud-usage-days");
    if (days) {
      new window.Chart(days, {
        type: "bar",
        data: {
          labels: data.by_day.map(function (d) { return d.day; }),
          datasets: kinds.map(function (kind, i) {
            return {
              label: data.labels[kind],
              data: data.by_day.map(function (d) { return d[kind]; }),
              backgroundColor: colours[i % colours.length],
            };
          }),
        },
        options: { animation: false, responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
      });
      days.dataset.lfcloudChartDrawn = "true";
    }
    var channels = document.getElementById("lfcloud-usage-channels");
    if (channels) {
      new window.Chart(channels, {
        type: "doughnut",
        data: {
          labels: data.by_channel.map(function (c) { return c.channel; }),
          datasets: [{ data: data.by_channel.map(function (c) { return c.count; }), backgroundColor: colours }],
        },
        options: { animation: false, responsive: true },
      });
      channels.dataset.lfcloudChartDrawn = "true";
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
