/* The patrol page (/patrols/): the start of a plan is a town office picked in the list, or a point clicked on the
   map or typed (static/js/point-pick.js draws it); choosing a point leaves the list. The stop list prints. */
(function () {
  "use strict";
  function start() {
    const print = document.getElementById("print-list");
    if (print) print.addEventListener("click", (ev) => { ev.preventDefault(); window.print(); });
    const town = document.getElementById("start-town");
    const lon = document.getElementById("start-lon");
    const lat = document.getElementById("start-lat");
    if (!town || !lon || !lat) return;
    function fromTown() {
      const option = town.selectedOptions[0];
      if (option && option.dataset.lon) {
        lon.value = option.dataset.lon;
        lat.value = option.dataset.lat;
        lon.dispatchEvent(new Event("change"));
      }
    }
    town.addEventListener("change", fromTown);
    fromTown();
    const own = () => { town.value = ""; };
    lon.addEventListener("point-picked", own);
    lon.addEventListener("input", own);
    lat.addEventListener("input", own);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
