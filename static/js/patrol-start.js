/* The patrol page (/patrols/): the start of a plan is a town office picked in the list or a point clicked on the
   map (no longitude/latitude to type); the stop list prints. The map is the page's folium (Leaflet) map. */
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
    const print = document.getElementById("print-list");
    if (print) print.addEventListener("click", (ev) => { ev.preventDefault(); window.print(); });
    const town = document.getElementById("start-town");
    const lon = document.getElementById("start-lon");
    const lat = document.getElementById("start-lat");
    if (!town || !lon || !lat) return;
    const map = leafletMap();
    let marker = null;
    function show(x, y) {
      if (!map) return;
      const ll = [Number(y), Number(x)];
      if (!Number.isFinite(ll[0]) || !Number.isFinite(ll[1])) return;
      if (!marker) {
        marker = L.circleMarker(ll, { radius: 9, color: "#fff", weight: 3, fillColor: "#d7191c", fillOpacity: 1 })
          .bindTooltip("出发点", { permanent: true, direction: "top", offset: [0, -8] }).addTo(map);
      } else {
        marker.setLatLng(ll);
      }
    }
    function fromTown() {
      const option = town.selectedOptions[0];
      if (option && option.dataset.lon) {
        lon.value = option.dataset.lon;
        lat.value = option.dataset.lat;
      }
      show(lon.value, lat.value);
    }
    town.addEventListener("change", fromTown);
    fromTown();
    if (map) {
      map.getContainer().style.cursor = "crosshair";
      map.on("click", (e) => {
        lon.value = e.latlng.lng.toFixed(6);
        lat.value = e.latlng.lat.toFixed(6);
        town.value = "";
        show(lon.value, lat.value);
      });
    }
    const typed = () => { town.value = ""; show(lon.value, lat.value); };
    lon.addEventListener("input", typed);
    lat.addEventListener("input", typed);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
