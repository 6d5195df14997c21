#!/usr/bin/env bash
# Copy the pinned npm packages' distribution files into static/vendor/, served by our own server.
set -euo pipefail
cd "$(dirname "$0")/.."
NM=node_modules
V=static/vendor
rm -rf "$V"; mkdir -p "$V"
cp -r "$NM/leaflet/dist" "$V/leaflet"
cp -r "$NM/leaflet.markercluster/dist" "$V/leaflet.markercluster"
mkdir -p "$V/leaflet.heat" && cp "$NM/leaflet.heat/dist/leaflet-heat.js" "$V/leaflet.heat/"
cp -r "$NM/leaflet.awesome-markers/dist" "$V/leaflet.awesome-markers"
mkdir -p "$V/fontawesome" && cp -r "$NM/@fortawesome/fontawesome-free/css" "$NM/@fortawesome/fontawesome-free/webfonts" "$V/fontawesome/"
mkdir -p "$V/jquery" && cp "$NM/jquery/dist/jquery.min.js" "$V/jquery/"
mkdir -p "$V/bootstrap" && cp -r "$NM/bootstrap/dist/css" "$NM/bootstrap/dist/js" "$V/bootstrap/"
mkdir -p "$V/htmx" && cp "$NM/htmx.org/dist/htmx.min.js" "$V/htmx/"
mkdir -p "$V/ol" && cp "$NM/ol/dist/ol.js" "$NM/ol/ol.css" "$V/ol/"
mkdir -p "$V/jsqr" && cp "$NM/jsqr/dist/jsQR.js" "$V/jsqr/"
