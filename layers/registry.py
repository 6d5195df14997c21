"""What higher apps add to the battle map (/map/), registered in their AppConfig.ready(): layers never imports them.

Two kinds:
- a page that draws another kind of light: `register_layer(key, label, url_name)` puts (label, URL name) in the
  map's layer switch (the campaigns app registers its task lights, 任务亮灯; the battle map itself is the problem
  lights);
- a layer drawn on the battle map itself: `register_map_layer(fn)`; the map calls `fn(m, request)` after its own
  layers, with the folium map `m` (the facilities app draws its facilities this way).
"""
_layers = {}
MAP_LAYERS = []


def register_layer(key, label, url_name):
    _layers[key] = (label, url_name)


def layers():
    return dict(_layers)


def register_map_layer(fn):
    if fn not in MAP_LAYERS:
        MAP_LAYERS.append(fn)
    return fn
