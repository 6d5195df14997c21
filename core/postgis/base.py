"""The PostGIS backend, waiting a few seconds for a database that is restarting instead of failing at once, and
checking a kept connection by its socket instead of a `SELECT 1` round trip (is_usable).

While PostgreSQL restarts (a minor upgrade, a configuration change, a crash recovery) its socket is gone or it
answers "the database system is starting up / shutting down" for a few seconds; a request that needs a new
connection then failed with a 500 at once. Here it retries the connection, with growing pauses, for up to
CONNECT_RETRY_SECONDS (settings: DB_CONNECT_RETRY_SECONDS), and only for those transient causes: a wrong
password or a missing database still fails at once. A query already running when the server goes down still
fails: a read is then served again once (config.middleware.ReadAgainMiddleware), a write is not (the field app
retries it from its outbox with the same client_uuid).
"""
import select
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

    def is_usable(self):
        """Whether a kept connection may serve the next request (CONN_HEALTH_CHECKS), without a round trip.

        Django's check sends `SELECT 1` before every request's first query. A connection the server has ended
        (restart, crash recovery, pg_terminate_backend, idle timeout) has its termination notice or end-of-file
        waiting on the socket, while a healthy idle one has nothing to read: checking the socket answers the same
        question for free. Anything unexpected to read also counts as unusable (a new connection is cheap)."""
        if self.connection is None or self.connection.closed:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError, Database.Error):
            return False
        return not readable
