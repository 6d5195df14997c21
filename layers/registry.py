"""Layers a higher app adds to the battle map's layer switch, registered in its AppConfig.ready().

layers never imports those apps: an entry is (key, Chinese label, URL name of the page that draws it). The
campaigns app registers its task lights (任务亮灯) this way; the battle map itself is the problem lights.
"""
_layers = {}


def register_layer(key, label, url_name):
    _layers[key] = (label, url_name)


def layers():
    return dict(_layers)
