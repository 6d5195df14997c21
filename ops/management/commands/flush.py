"""`flush` empties every table, history included, which the application role may never do.

Only the test suite flushes (a transactional test's tear-down): there, and only there (PATROL_TESTING), it runs as
the owner with the history's TRUNCATE fence lifted for the one transaction. Elsewhere it runs as the application
role and the database refuses to empty the history.
"""
from django.conf import settings
from django.core.management.commands import flush
from django.db import connections, transaction

from ops import dbroles


class Command(flush.Command):
    def handle(self, **options):
        alias = options["database"]
        if not settings.TESTING:
            return super().handle(**options)
        with dbroles.as_owner(alias), transaction.atomic(using=alias):
            with connections[alias].cursor() as cur:
                cur.execute("ALTER TABLE patrol_issueevent DISABLE TRIGGER patrol_issueevent_no_truncate")
            super().handle(**options)
            with connections[alias].cursor() as cur:
                cur.execute("ALTER TABLE patrol_issueevent ENABLE TRIGGER patrol_issueevent_no_truncate")
