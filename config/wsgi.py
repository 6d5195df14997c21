import importlib
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Load the URLconf, and with it every view module, now, while the worker starts and before it accepts a
# connection. Django would do it on the first request, under a lock the worker's other threads wait on: a worker
# respawned under load (after a crash or a SIGKILL) then held every request it had accepted for as long as the
# imports took (~18 s on a busy 2-core machine; bench load section).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 (the attribute access does the loading)

# The scientific libraries requests use are imported inside the functions that use them, so that manage.py
# commands start in a second (tests/test_startup.py); a served process imports them here instead, for the same
# reason as the URLconf above: gunicorn imports this module in the master before forking (preload_app,
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
for _name in WARM:
    importlib.import_module(_name)
