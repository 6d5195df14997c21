"""The PostGIS backend, waiting a few seconds for a database that is restarting instead of failing at once.

While PostgreSQL restarts (a minor upgrade, a configuration change, a crash recovery) its socket is gone or it
answers "the database system is starting up / shutting down" for a few seconds; a request that needs a new
connection then failed with a 500 at once. Here it retries the connection, with growing pauses, for up to
CONNECT_RETRY_SECONDS (settings: DB_CONNECT_RETRY_SECONDS), and only for those transient causes: a wrong
password or a missing database still fails at once. A query already running when the server goes down still
fails (it cannot safely be repeated); clients retry such requests (the field app keeps them in its outbox).
"""
import time

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISWrapper
from django.db.backends.postgresql.base import Database

TRANSIENT = ("No such file or directory", "Connection refused", "the database system is starting up",
             "the database system is shutting down", "the database system is in recovery mode",
             "server closed the connection unexpectedly", "timeout expired")


class DatabaseWrapper(PostGISWrapper):
    def get_new_connection(self, conn_params):
        deadline = time.monotonic() + float(self.settings_dict.get("CONNECT_RETRY_SECONDS") or 0)
        pause = 0.1
        while True:
            try:
                return super().get_new_connection(conn_params)
            except Database.OperationalError as exc:
                if not any(t in str(exc) for t in TRANSIENT) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
