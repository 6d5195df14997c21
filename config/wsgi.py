import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The URLconf and the libraries requests use loaded, and the collector told to leave them be, before the first
# request (core.serving).
from core.serving import prepare  # noqa: E402

prepare()
