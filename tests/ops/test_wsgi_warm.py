"""A gunicorn worker loads the whole URLconf while it starts, not on its first request (when its other threads
would wait on it): importing config.wsgi leaves every view module imported, and the scientific libraries the
views import inside their functions (core.serving.WARM; tests/test_startup.py keeps them out of manage.py)."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_wsgi_application_has_loaded_the_views_before_it_serves():
    probe = ("import sys, config.wsgi; "
             "print(' '.join(m for m in ('patrol.api', 'layers.api', 'mobile.views', 'assessment.api', "
             "'esda', 'scipy.stats', 'pandas', 'folium', 'pyvrp') if m not in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"not loaded at start: {done.stdout.strip()}"


def test_the_served_process_keeps_what_it_loaded_out_of_the_collectors_walk():
    """What the worker loaded at start is frozen for the garbage collector (core.serving.prepare): a full
    collection then walks only what requests made, not the libraries (100–140 ms pauses before)."""
    probe = "import gc, config.wsgi; print(gc.get_freeze_count())"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 100_000
