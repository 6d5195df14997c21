"""The admin's map widget (geo.widgets.OfflineMapWidget) starts from a static file, not an inline script, and
draws under the Content-Security-Policy with no console error."""
import os

import pytest
from django.test import Client

from tests.factories import make_user
from tests.playwright_helpers import wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
V1 = "310112102201"


def test_admin_village_map_draws_without_csp_errors(browser, live_server, geography):
    admin = make_user("admin", "310112")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/admin/geo/village/{V1}/change/")
    wait_for_js(page, "() => !!document.querySelector('#id_boundary_map .ol-viewport canvas')")
    # the widget read the stored boundary into its feature layer
    assert page.evaluate("() => window.geodjango_boundary.featureOverlay.getSource().getFeatures().length") == 1
    assert errors == []
    context.close()
