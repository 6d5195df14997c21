"""`migrate` as the owner role, then the application role's grants (ops/dbroles.py).

Every other command, the web process and the workers stay on the application role.
"""
from django.core.management.commands import migrate
from django.db import connections

from ops import dbroles


class Command(migrate.Command):
    help = migrate.Command.help + "（以数据库所有者角色运行，随后授予应用角色所需权限）"

    def handle(self, *args, **options):
        alias = options["database"]
        if connections[alias].in_atomic_block:  # called inside a transaction (a test): stay on this connection
            return super().handle(*args, **options)
        with dbroles.as_owner(alias):
            super().handle(*args, **options)
            dbroles.apply_grants(alias)
