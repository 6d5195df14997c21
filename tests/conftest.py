import os
import socket

import pytest

from tests.factories import DISTRICT, TOWN_A, TOWN_B, V1, V2, V3, make_geography, make_user, seed_categories


def _guard(original):
    def connect(self, address):
        if self.family == socket.AF_UNIX:
            return original(self, address)
        host = address[0] if isinstance(address, tuple) else address
        if host in ("127.0.0.1", "::1", "localhost") or str(host).startswith("127."):
            return original(self, address)
        raise OSError(f"network blocked in tests: {address!r}")

    return connect


@pytest.fixture(autouse=True, scope="session")
def _block_network():
    """Tests never reach outside this machine."""
    original = socket.socket.connect
    socket.socket.connect = _guard(original)
    yield
    socket.socket.connect = original


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """pytest-django's set-up with the production split of roles: the test database is created and migrated by
    the owner role (ops/dbroles.py), and the tests then connect as the application role, like the web
    process. Dropped by the owner at the end."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    from ops.dbroles import as_owner

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock(), as_owner():
        db_cfg = setup_databases(verbosity=request.config.option.verbose, interactive=False, aliases=aliases,
                                 serialized_aliases=serialized_aliases)
    yield
    with django_db_blocker.unblock(), as_owner():
        teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture
def migrator(transactional_db):
    """django-test-migrations' migrator, run as the owner role (only the owner may change the schema); the
    application role's grants are put back after the reset."""
    from django_test_migrations.migrator import Migrator

    from ops.dbroles import apply_grants, as_owner

    with as_owner():
        m = Migrator("default")
        yield m
        m.reset()
        apply_grants()


@pytest.fixture
def geography(db):
    return make_geography()


@pytest.fixture
def people(geography):
    """One account per role over the test geography; keys name the role and, where there are two, the area.

    Aliases (`cun` = `village`, `town_a` = `town`, `town_other` = `town_b`) keep each test's own wording."""
    town_a, town_b, village = make_user("town", TOWN_A), make_user("town", TOWN_B), make_user("village", V1)
    return {
        "inspector": make_user("inspector", DISTRICT), "district": make_user("district", DISTRICT),
        "supervisor": make_user("supervisor", DISTRICT),
        "town": town_a, "town_a": town_a, "town_b": town_b, "town_other": town_b,
        "village": village, "cun": village, "village_other": make_user("village", V2),
        "village3": make_user("village", V3), "grid": make_user("village", V1 + "001"),
    }


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def login(api):
    """login(user) → an APIClient authenticated as that user."""

    def _login(user):
        api.force_authenticate(user=user)
        return api

    return _login


@pytest.fixture(autouse=True)
def _categories_present(request):
    """A transactional test (the browser tests, the racing-retries test) flushes every table at its end, the
    categories seeded by a data migration included: put them back for whatever test runs next on that worker."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if marker is None and "db" not in names and "transactional_db" not in names:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or "transactional_db" in names
    request.getfixturevalue("transactional_db" if transactional else "db")
    seed_categories()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make setup-browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

