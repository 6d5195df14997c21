"""A database restart (or anything else that cuts the server side of a kept connection) must not turn the next
request of every worker thread into a 500: kept connections (CONN_MAX_AGE) are checked before reuse."""
import psycopg2
import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.urls import reverse

from tests.factories import make_user


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
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cur.fetchone()[0]
    other.close()

    # gunicorn's request_started signal runs this before each request (the test client leaves it out).
    close_old_connections()
    response = client.get(url)  # the test client re-raises a server error: this fails with the stale connection
    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid
