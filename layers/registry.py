"""Layers that higher apps add to the battle map (/map/): layers cannot import them, so they register here.

A higher app calls `register_map_layer(fn)` in its AppConfig.ready(); the battle map calls `fn(m, request)` for
each, after its own layers, with the folium map `m`.
"""
MAP_LAYERS = []


def register_map_layer(fn):
    if fn not in MAP_LAYERS:
        MAP_LAYERS.append(fn)
    return fn
