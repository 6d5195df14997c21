"""What the battle map (/map/, layers.pages.battle_map) asks higher apps while it draws: layers never imports them.

A higher app connects a receiver in its AppConfig.ready(); every receiver takes `sender` (the view function
layers.pages.battle_map) and `**kwargs`. Receivers answer in connection order; an app that is not installed
connects nothing, and the map simply goes without its part.
"""
from django.dispatch import Signal

# sender=battle_map; m (the folium Map), request: the map has drawn its own layers (areas, problem pins, counts);
# a receiver adds its layer to `m` (the facilities app draws its facilities). The return value is ignored.
battle_map_drawn = Signal()
# sender=battle_map; request: which other light pages does the map's layer switch offer? A receiver returns one
# (label, URL name) pair, or None for none (the campaigns app answers its task lights, ("任务亮灯",
# "campaigns:task-map")); the switch links each with the map's month (?month=YYYY-MM).
battle_map_switch = Signal()
