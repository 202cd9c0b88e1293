// Draws every <canvas data-chart="…"> with Chart.js. The configuration is JSON written by the
// server (pages/dashboard.tsx); nothing here is inline, so the CSP can stay script-src 'self'.
/* global Chart */
for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
  const config = JSON.parse(canvas.dataset.chart);
  config.options = { ...config.options, animation: false, responsive: true, maintainAspectRatio: false };
  new Chart(canvas, config);
}
