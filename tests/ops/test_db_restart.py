"""A database restart (or anything else that cuts the server side of a kept connection) must not turn the next
request of every worker thread into a 500: kept connections (CONN_MAX_AGE) are checked before reuse."""
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, connections
from django.test import Client
from django.urls import reverse

from patrol.models import Issue
from tests.factories import V1, make_user, tiny_jpeg, village_point


@pytest.mark.django_db(transaction=True)
def test_a_request_after_the_server_dropped_the_kept_connection_is_served(geography, client):
    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # connections are kept between requests (the default)
    client.force_login(make_user("district", geography.code))
    url = reverse("patrol:issues")
    assert client.get(url).status_code == 200
    pid = connection.connection.info.backend_pid  # the connection this thread keeps for the next request

    # What a PostgreSQL restart does to every kept connection: the server ends it.
    db = settings.DATABASES["default"]
    other = psycopg2.connect(dbname=connection.settings_dict["NAME"], user=db["USER"], host=db["HOST"],
                             port=db["PORT"] or None, password=db["PASSWORD"] or None)
    other.autocommit = True
    with other.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # returns once that backend has exited
        assert cur.fetchone()[0]
    other.close()

    # gunicorn's request_started signal runs this before each request (the test client leaves it out).
    close_old_connections()
    response = client.get(url)  # the test client re-raises a server error: this fails with the stale connection
    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid


@pytest.mark.django_db
def test_a_new_connection_waits_for_a_database_that_is_coming_back():
    """While the server restarts its socket is missing: connecting waits for it instead of failing at once."""
    real = Path(connection.settings_dict["HOST"]) / f".s.PGSQL.{connection.settings_dict['PORT'] or 5432}"
    folder = Path(tempfile.mkdtemp(prefix="pg"))  # short: a socket path must stay under 108 bytes
    probe = type(connections["default"])(dict(connection.settings_dict, HOST=str(folder), CONNECT_RETRY_SECONDS=30),
                                 alias="restart_probe")
    coming_back = threading.Timer(0.5, lambda: (folder / real.name).symlink_to(real))  # the server is back
    coming_back.start()
    try:
        with probe.cursor() as cur:
            cur.execute("SELECT current_database()")
            assert cur.fetchone()[0] == connection.settings_dict["NAME"]
    finally:
        coming_back.join()
        probe.close()
        shutil.rmtree(folder)
    # A cause that will not pass by itself is not waited for.
    wrong = type(connections["default"])(dict(connection.settings_dict, NAME="no_such_database_here",
                                      CONNECT_RETRY_SECONDS=3600), alias="wrong_probe")
    with pytest.raises(OperationalError, match="does not exist"):
        wrong.ensure_connection()


def _end_kept_connection():
    """What a restart does to the server side of this thread's kept connection, the client side left unaware."""
    pid = connection.connection.info.backend_pid
    db = settings.DATABASES["default"]
    other = psycopg2.connect(dbname=connection.settings_dict["NAME"], user=db["USER"], host=db["HOST"],
                             port=db["PORT"] or None, password=db["PASSWORD"] or None)
    other.autocommit = True
    with other.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        assert cur.fetchone()[0]
    other.close()
    return pid


@pytest.mark.django_db(transaction=True)
def test_a_read_whose_connection_died_is_read_again_and_a_write_is_not(geography, client):
    """The server ends the connection while a request uses it (no health check in between, as when a query is
    running at the restart): a GET is served again on a new connection; a POST is not repeated (500)."""
    client = Client(raise_request_exception=False)  # the first attempt's error is logged, not raised here
    client.force_login(make_user("district", geography.code))
    url = reverse("patrol:issues")
    assert client.get(url).status_code == 200
    pid = _end_kept_connection()
    response = client.get(url)
    assert response.status_code == 200 and response.json()["type"] == "FeatureCollection"
    assert connection.connection.info.backend_pid != pid
    page = reverse("patrol:issue-list")
    assert client.get(page).status_code == 200
    _end_kept_connection()
    assert client.get(page).status_code == 200  # an HTML page too (the session is read before the view)

    # A write that is not idempotent is not repeated: the status change answers 500 (the app retries it).
    inspector = make_user("inspector", geography.code)
    client.force_login(inspector)
    lon, lat = village_point(V1)
    report = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
              "properties": {"category": "dry_toilet", "client_uuid": str(uuid.uuid4()), "description": "重启中上报"}}
    _end_kept_connection()
    answer = client.post(url, report, content_type="application/json")
    # A report is idempotent by its client_uuid, so it is sent again on a new connection: stored once, 201.
    assert answer.status_code == 201, answer.content
    issue = Issue.objects.get(client_uuid=report["properties"]["client_uuid"])
    assert Issue.objects.filter(description="重启中上报").count() == 1

    # Its photo too (a multipart body, kept for the second pass): stored once.
    _end_kept_connection()
    answer = client.post(reverse("patrol:issue-photos", args=[issue.pk]), {"image": tiny_jpeg(), "kind": "before"})
    assert answer.status_code == 201, answer.content
    assert issue.photos.count() == 1

    _end_kept_connection()
    answer = client.post(reverse("patrol:issue-transition", args=[issue.pk]), {"action": "assign"},
                         content_type="application/json")
    assert answer.status_code == 500
    close_old_connections()
