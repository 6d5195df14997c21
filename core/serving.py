"""A served process made ready before it takes requests (config.wsgi runs `prepare`; the `pages` benchmark too, so
that it times what a worker does)."""
import gc
import importlib

# The scientific libraries requests use are imported inside the functions that use them, so that manage.py
# commands start in a second (tests/test_startup.py); a served process imports them here instead, for the same
# reason as the URLconf: gunicorn imports config.wsgi in the master before forking (preload_app,
# config/gunicorn_demo.py) or in each worker before it accepts connections (deploy/patrol-gunicorn.service).
WARM = (
    "esda",  # layers.hotspots (with libpysal, scikit-learn, pandas, geopandas)
    "scipy.stats",  # layers.hotspots, layers.emerging
    "scipy.sparse",  # layers.hotspots, planning.routing
    "scipy.sparse.csgraph",  # planning.routing
    "shapely",  # layers.hotspots, planning.routing
    "pyproj",  # layers.hotspots
    "folium",  # layers.maps: every map page (with pandas)
    "folium.plugins",  # layers.maps, facilities.maplayer (imported when a map is drawn)
    "pyvrp",  # planning.solver: route plans
    "pyvrp.IteratedLocalSearch",
    "pyvrp.PenaltyManager",
    "pyvrp.search",
    "pyvrp.solve",
    "pyvrp.stop",
)


def prepare():
    """Load now what the first requests would load, then freeze it for the garbage collector."""
    # The URLconf, and with it every view module: Django would load it on the first request, under a lock the
    # worker's other threads wait on; a worker respawned under load (after a crash or a SIGKILL) then held every
    # request it had accepted for as long as the imports took (~18 s on a busy 2-core machine; bench load section).
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the attribute access does the loading)
    for name in WARM:
        importlib.import_module(name)
    # Everything loaded so far lives as long as the process: move it out of the collector's sight. Otherwise every
    # full (generation 2) collection walks those objects again: 100–140 ms pauses in the middle of ordinary page
    # requests (a map page allocates enough to set one off every few requests; bench `pages`). Done in gunicorn's
    # master before the fork (preload_app), it also keeps the shared memory pages shared.
    gc.collect()
    gc.freeze()
