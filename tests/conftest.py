import socket

import pytest

from tests.factories import make_geography, seed_categories


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


@pytest.fixture
def geography(db):
    return make_geography()


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
    """A transactional test flushes every table, the categories seeded by a data migration included; put them
    back so that tests running after it on the same worker find them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    request.getfixturevalue("transactional_db" if transactional else "db")
    seed_categories()
