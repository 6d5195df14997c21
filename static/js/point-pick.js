/* A form's point chosen on the page's map (the facility page): a click fills the inputs #f-lon and #f-lat and
   moves a marker; the inputs, when typed or filled, put the marker there. The map is the page's folium map. */
(function () {
  "use strict";
  function leafletMap() {
    if (typeof L === "undefined") return null;
    for (const key of Object.keys(window)) {
      if (key.startsWith("map_") && window[key] instanceof L.Map) return window[key];
    }
    return null;
  }
  function start() {
    const lon = document.getElementById("f-lon"), lat = document.getElementById("f-lat");
    const map = leafletMap();
    if (!lon || !lat || !map) return;
    let marker = null;
    function show() {
      const ll = [Number(lat.value), Number(lon.value)];
      if (!lat.value || !lon.value || !Number.isFinite(ll[0]) || !Number.isFinite(ll[1])) return;
      if (!marker) {
        marker = L.circleMarker(ll, { radius: 9, color: "#fff", weight: 3, fillColor: "#d7191c", fillOpacity: 1 })
          .bindTooltip("设施位置", { permanent: true, direction: "top", offset: [0, -8] }).addTo(map);
      } else {
        marker.setLatLng(ll);
      }
    }
    map.getContainer().style.cursor = "crosshair";
    map.on("click", (e) => {
      lon.value = e.latlng.lng.toFixed(6);
      lat.value = e.latlng.lat.toFixed(6);
      show();
    });
    lon.addEventListener("change", show);
    lat.addEventListener("change", show);
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
