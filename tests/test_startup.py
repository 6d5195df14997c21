"""Starting the project does not import the heavy scientific libraries: settings, apps and the URLconf load in
about a second, so every manage.py command starts fast (issue 23: `manage.py check` took 10 s when the URLs
imported esda, libpysal, scipy.stats and pandas). The modules that use them import them inside their functions;
a served process imports them in config/wsgi.py instead (tests/ops/test_wsgi_warm.py)."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

HEAVY = ("esda", "libpysal", "scipy", "pandas", "geopandas", "sklearn", "pyvrp", "ortools", "folium")

# A fresh interpreter: the test process itself has long imported everything.
PROBE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
heavy = {heavy!r}
print(" ".join(sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))))
"""


def loaded_at_start():
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY)], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_loading_the_project_imports_no_heavy_library():
    loaded = loaded_at_start()
    assert loaded == [], (f"imported while the project loads: {', '.join(loaded)}; import them inside the "
                          "functions that use them (python -X importtime manage.py check shows who imports them), "
                          "and add them to core.serving.WARM when a request needs them")
