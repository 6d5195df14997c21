"""`flush` empties every table, history included, which the application role may never do.

Only the test suite flushes (a transactional test's tear-down): there, and only there (PATROL_TESTING), it runs as
the owner with the record tables' TRUNCATE fences lifted for the one transaction. Elsewhere it runs as the application
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
                cur.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                            "WHERE NOT tgisinternal AND tgname LIKE '%%\\_no\\_truncate'")
                fences = cur.fetchall()
                for table, trigger in fences:
                    cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            super().handle(**options)
            with connections[alias].cursor() as cur:
                for table, trigger in fences:
                    cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
