import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Load the URLconf, and with it every view module and what they import (pandas, geopandas, scipy …), now, while
# the worker starts and before it accepts a connection. Django would do it on the first request, under a lock the
# worker's other threads wait on: a worker respawned under load (after a crash or a SIGKILL) then held every
# request it had accepted for as long as the imports took (~18 s on a busy 2-core machine; bench load section).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 (the attribute access does the loading)
