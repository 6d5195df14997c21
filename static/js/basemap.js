/* The offline base map: our own vector tiles (/tiles/base/{z}/{x}/{y}.pbf, layers water, roads, boundaries)
   decoded here (a small Mapbox Vector Tile reader: protobuf varints, zig-zag geometry commands) and drawn on
   canvas tiles under every other layer. No library, no request leaving the machine. */
(function () {
  "use strict";
  var decoder = new TextDecoder("utf-8");

  function Reader(bytes) { this.b = bytes; this.p = 0; }
  Reader.prototype.varint = function () {
    var b = this.b, v = 0, s = 1, c;
    do { c = b[this.p++]; v += (c & 0x7f) * s; s *= 128; } while (c >= 0x80);
    return v;
  };
  Reader.prototype.skip = function (wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.p += 8;
    else if (wire === 2) this.p += this.varint();
    else if (wire === 5) this.p += 4;
    else throw new Error("vector tile: wire type " + wire);
  };
  Reader.prototype.string = function () {
    var n = this.varint(), s = decoder.decode(this.b.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  };
  Reader.prototype.packed = function () {
    var end = this.varint() + this.p, out = [];
    while (this.p < end) out.push(this.varint());
    return out;
  };

  function readValue(r, end) {
    var v = null, tag, dv;
    while (r.p < end) {
      tag = r.varint();
      switch (tag >> 3) {
        case 1: v = r.string(); break;
        case 2: dv = new DataView(r.b.buffer, r.b.byteOffset + r.p, 4); v = dv.getFloat32(0, true); r.p += 4; break;
        case 3: dv = new DataView(r.b.buffer, r.b.byteOffset + r.p, 8); v = dv.getFloat64(0, true); r.p += 8; break;
        case 4: case 5: v = r.varint(); break;
        case 6: v = r.varint(); v = v % 2 ? -(v + 1) / 2 : v / 2; break;
        case 7: v = !!r.varint(); break;
        default: r.skip(tag & 7);
      }
    }
    return v;
  }

  function readFeature(r, end) {
    var f = {type: 0, tags: [], geometry: []}, tag;
    while (r.p < end) {
      tag = r.varint();
      switch (tag >> 3) {
        case 2: f.tags = r.packed(); break;
        case 3: f.type = r.varint(); break;
        case 4: f.geometry = r.packed(); break;
        default: r.skip(tag & 7);
      }
    }
    return f;
  }

  function readLayer(r, end) {
    var layer = {name: "", extent: 4096, keys: [], values: [], features: []}, tag, n;
    while (r.p < end) {
      tag = r.varint();
      switch (tag >> 3) {
        case 1: layer.name = r.string(); break;
        case 2: n = r.varint(); layer.features.push(readFeature(r, r.p + n)); break;
        case 3: layer.keys.push(r.string()); break;
        case 4: n = r.varint(); layer.values.push(readValue(r, r.p + n)); break;
        case 5: layer.extent = r.varint(); break;
        default: r.skip(tag & 7);
      }
    }
    layer.features.forEach(function (f) {
      f.properties = {};
      for (var i = 0; i + 1 < f.tags.length; i += 2) f.properties[layer.keys[f.tags[i]]] = layer.values[f.tags[i + 1]];
    });
    return layer;
  }

  function readTile(buffer) {
    var r = new Reader(new Uint8Array(buffer)), layers = {}, tag, n, layer;
    while (r.p < r.b.length) {
      tag = r.varint();
      if (tag >> 3 === 3 && (tag & 7) === 2) {
        n = r.varint();
        layer = readLayer(r, r.p + n);
        layers[layer.name] = layer;
      } else r.skip(tag & 7);
    }
    return layers;
  }

  /* Geometry commands → rings/lines of [x, y] in tile units (MoveTo 1, LineTo 2, ClosePath 7). */
  function parts(cmds) {
    var out = [], cur = null, x = 0, y = 0, i = 0, c, id, count, k, dx, dy;
    while (i < cmds.length) {
      c = cmds[i++]; id = c & 7; count = c >> 3;
      if (id === 7) { if (cur && cur.length) cur.closed = true; continue; }
      for (k = 0; k < count; k++) {
        dx = cmds[i++]; dy = cmds[i++];
        x += (dx >>> 1) ^ -(dx & 1); y += (dy >>> 1) ^ -(dy & 1);
        if (id === 1) { cur = []; out.push(cur); }
        cur.push([x, y]);
      }
    }
    return out;
  }

  function trace(ctx, feature, scale) {
    ctx.beginPath();
    parts(feature.geometry).forEach(function (line) {
      line.forEach(function (p, j) {
        if (j) ctx.lineTo(p[0] * scale, p[1] * scale); else ctx.moveTo(p[0] * scale, p[1] * scale);
      });
      if (line.closed) ctx.closePath();
    });
  }

  var STYLE = {
    paper: "#f4f1ea",
    water: {fill: "#a9cfe8", line: "#6fa8d6"},
    roads: {
      major: {casing: "#b08a4a", fill: "#fbd38a", width: function (z) { return z >= 15 ? 6 : z >= 13 ? 4 : 2.5; }},
      minor: {casing: "#b9b4aa", fill: "#ffffff", width: function (z) { return z >= 15 ? 4 : 2.5; }}
    },
    boundaries: {
      town: {color: "#6b5b95", width: 2.2, dash: [8, 4]},
      village: {color: "#8c8c8c", width: 1.2, dash: [4, 3]},
      grid: {color: "#b5b5b5", width: 0.8, dash: [1, 3]}
    }
  };
  var MAJOR = {arterial: 1, motorway: 1, trunk: 1, primary: 1, secondary: 1, tertiary: 1};

  function draw(ctx, layers, z, size) {
    ctx.fillStyle = STYLE.paper;
    ctx.fillRect(0, 0, size, size);
    ctx.lineJoin = ctx.lineCap = "round";
    var water = layers.water, roads = layers.roads, bounds = layers.boundaries;
    if (water) {
      var ws = size / water.extent;
      water.features.forEach(function (f) {
        trace(ctx, f, ws);
        if (f.type === 3) { ctx.fillStyle = STYLE.water.fill; ctx.fill("evenodd"); }
        ctx.strokeStyle = STYLE.water.line; ctx.lineWidth = f.type === 2 ? 3 : 1; ctx.stroke();
      });
    }
    if (bounds) {
      var bs = size / bounds.extent;
      ["grid", "village", "town"].forEach(function (level) {
        var s = STYLE.boundaries[level];
        ctx.strokeStyle = s.color; ctx.lineWidth = s.width; ctx.setLineDash(s.dash);
        bounds.features.forEach(function (f) {
          if (f.properties.level === level) { trace(ctx, f, bs); ctx.stroke(); }
        });
      });
      ctx.setLineDash([]);
    }
    if (roads) {
      var rs = size / roads.extent;
      ["minor", "major"].forEach(function (cls) {
        var s = STYLE.roads[cls], w = s.width(z), mine = roads.features.filter(function (f) {
          return (MAJOR[f.properties.kind] ? "major" : "minor") === cls;
        });
        ctx.strokeStyle = s.casing; ctx.lineWidth = w + 1.5;
        mine.forEach(function (f) { trace(ctx, f, rs); ctx.stroke(); });
        ctx.strokeStyle = s.fill; ctx.lineWidth = w;
        mine.forEach(function (f) { trace(ctx, f, rs); ctx.stroke(); });
      });
    }
  }

  L.OfflineBaseMap = L.GridLayer.extend({
    options: {maxZoom: 20, maxNativeZoom: 18, updateWhenZooming: false},
    initialize: function (url, options) {
      this._url = url;
      L.GridLayer.prototype.initialize.call(this, options);
    },
    createTile: function (coords, done) {
      var tile = L.DomUtil.create("canvas", "base-tile"), size = this.getTileSize(), ratio = window.devicePixelRatio || 1;
      tile.width = size.x * ratio; tile.height = size.y * ratio;
      var url = L.Util.template(this._url, {z: coords.z, x: coords.x, y: coords.y});
      fetch(url, {credentials: "same-origin"}).then(function (r) {
        if (!r.ok) throw new Error("base tile " + r.status);
        return r.arrayBuffer();
      }).then(function (buffer) {
        var ctx = tile.getContext("2d");
        ctx.scale(ratio, ratio);
        draw(ctx, readTile(buffer), coords.z, size.x);
        tile.setAttribute("data-drawn", "1");
        done(null, tile);
      }).catch(function (err) { done(err, tile); });
      return tile;
    }
  });
  L.offlineBaseMap = function (url, options) { return new L.OfflineBaseMap(url, options); };
  L.OfflineBaseMap.readTile = readTile;
})();
