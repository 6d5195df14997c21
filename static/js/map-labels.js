/* Place names on every map: town, village and grid names as DOM labels in their own pane (above the areas,
   below the pins), shown by zoom and placed greedily by rank — towns first, then villages, then grids, larger
   areas first — so that no two overlap. Placed again after each move; one pass over the names in view. */
(function () {
  "use strict";
  var LEVELS = ["town", "village", "grid"];

  L.PlaceNames = L.Layer.extend({
    options: {minZoom: {town: 0, village: 12, grid: 15}, pane: "placeNames", fontSize: {town: 15, village: 13, grid: 12}},
    initialize: function (names, options) {
      L.setOptions(this, options);
      this._names = [];
      var self = this;
      LEVELS.forEach(function (level) {
        (names[level] || []).forEach(function (n) {
          self._names.push({level: level, code: n[0], name: n[1], latlng: L.latLng(n[2], n[3])});
        });
      });
      this._shown = {};
    },
    onAdd: function (map) {
      if (!map.getPane(this.options.pane)) {
        var pane = map.createPane(this.options.pane);
        pane.style.zIndex = 450;  // above the area fills (400), below the pins (600)
        pane.style.pointerEvents = "none";
      }
      this._box = map.getPane(this.options.pane);
      map.on("moveend zoomend viewreset", this._place, this);
      map.on("zoomstart", this._hide, this);
      this._place();
    },
    onRemove: function (map) {
      map.off("moveend zoomend viewreset", this._place, this);
      map.off("zoomstart", this._hide, this);
      var shown = this._shown;
      Object.keys(shown).forEach(function (k) { L.DomUtil.remove(shown[k]); });
      this._shown = {};
    },
    _hide: function () { this._box.style.visibility = "hidden"; },
    _place: function () {
      var map = this._map, z = map.getZoom(), size = map.getSize(), placed = [], keep = {}, self = this;
      var minZoom = this.options.minZoom, fonts = this.options.fontSize;
      this._names.forEach(function (n) {
        if (z < minZoom[n.level]) return;
        var p = map.latLngToContainerPoint(n.latlng);
        if (p.x < -50 || p.y < -20 || p.x > size.x + 50 || p.y > size.y + 20) return;
        // A CJK character is about one em wide; 8 px of halo and spacing around.
        var w = n.name.length * fonts[n.level] + 8, h = fonts[n.level] + 8;
        var box = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
        for (var i = 0; i < placed.length; i++) {
          var o = placed[i];
          if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) return;
        }
        placed.push(box);
        var key = n.level + ":" + n.code, el = self._shown[key];
        if (!el) {
          el = L.DomUtil.create("div", "map-label map-label-" + n.level, self._box);
          L.DomUtil.create("span", "", el).textContent = n.name;  // the span centres itself on the point
          el.setAttribute("data-code", n.code);
          el.setAttribute("data-level", n.level);
        }
        L.DomUtil.setPosition(el, map.latLngToLayerPoint(n.latlng));
        keep[key] = el;
      });
      Object.keys(this._shown).forEach(function (k) { if (!keep[k]) L.DomUtil.remove(self._shown[k]); });
      this._shown = keep;
      this._box.style.visibility = "";
      map.getContainer().setAttribute("data-labels", String(Object.keys(keep).length));
    }
  });
  L.placeNames = function (names, options) { return new L.PlaceNames(names, options); };
})();
