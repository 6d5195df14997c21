/* A form's point chosen on the page's folium (Leaflet) map. The longitude input carries
   data-map-lat="<id of the latitude input>" and data-map-label="<the marker's label>": a click on the map fills
   both inputs, moves the marker and sends a bubbling "point-picked" event from the longitude input; the inputs,
   when typed or changed, put the marker there. Used by the facility page and the patrol page's start point. */
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
    const lon = document.querySelector("input[data-map-lat]");
    const lat = lon && document.getElementById(lon.dataset.mapLat);
    const map = leafletMap();
    if (!lon || !lat || !map) return;
    let marker = null;
    function show() {
      const ll = [Number(lat.value), Number(lon.value)];
      if (!lat.value || !lon.value || !Number.isFinite(ll[0]) || !Number.isFinite(ll[1])) return;
      if (!marker) {
        marker = L.circleMarker(ll, { radius: 9, color: "#fff", weight: 3, fillColor: "#d7191c", fillOpacity: 1 })
          .bindTooltip(lon.dataset.mapLabel || "位置", { permanent: true, direction: "top", offset: [0, -8] })
          .addTo(map);
      } else {
        marker.setLatLng(ll);
      }
    }
    map.getContainer().style.cursor = "crosshair";
    map.on("click", (e) => {
      lon.value = e.latlng.lng.toFixed(6);
      lat.value = e.latlng.lat.toFixed(6);
      show();
      lon.dispatchEvent(new CustomEvent("point-picked", { bubbles: true }));
    });
    for (const input of [lon, lat]) {
      input.addEventListener("change", show);
      input.addEventListener("input", show);
    }
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
