// Starts Django's OpenLayers map widgets rendered by geo.widgets.OfflineMapWidget (no inline script: CSP).
// Offline: no tile server; the drawn geometry is shown on a blank background, centred on the district.
(function () {
  function start() {
    document.querySelectorAll("[data-offline-map]").forEach(function (el) {
      if (el.dataset.started) return;
      el.dataset.started = "1";
      var options = JSON.parse(el.dataset.offlineMap);
      options.base_layer = new ol.layer.Vector({source: new ol.source.Vector()});
      window[options.module] = new MapWidget(options);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
