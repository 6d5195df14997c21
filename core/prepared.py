"""Statements prepared once per database connection (PREPARE), then run by name (EXECUTE).

PostgreSQL plans a query every time it receives its text, and psycopg2 sends every query as text. For the few
small queries that each report runs, planning cost more than running them (pg_stat_statements on the bench
database, 1 million problems: locating a point took 1.55 ms to plan and 0.78 ms to run, the neighbour search
0.48 and 0.37 ms, the token lookup 0.28 and 0.07 ms). Prepared on the server once per connection, they are
planned once and later runs only execute: the application's connections set plan_cache_mode=force_generic_plan
(config/settings.py), since with the default PostgreSQL kept re-planning the spatial ones on every run. A query
prepared here must therefore have a good plan without knowing its values (see patrol.querysets.NEIGHBOURS).

The names live as long as the server session: `PREPARE` is not undone by a rollback, and a new connection starts
with none. A pooler in transaction mode (PgBouncer) would break this (deploy/DEPLOY.md, "Prepared statements and
poolers": connect directly).
"""


class Statement:
    """A query and the PostgreSQL types of its parameters, run through a Django cursor.

    `types` is a list for a query written with $1…$n, or a dict {name: type} for one written with %(name)s
    placeholders (then `execute` takes a dict, as cursor.execute would).
    """

    def __init__(self, name, sql, types):
        self.name = name
        if isinstance(types, dict):
            names = list(types)
            for i, key in enumerate(names, 1):
                sql = sql.replace(f"%({key})s", f"${i}")
            if "%(" in sql:
                raise ValueError(f"{name}: a %(name)s placeholder without a type")
            sql = sql.replace("%%", "%")
            args = [f"%({key})s" for key in names]
            types = list(types.values())
        else:
            args = ["%s"] * len(types)
        self.prepare = f"PREPARE {name} ({', '.join(types)}) AS {sql}"
        if _texts.setdefault(name, self.prepare) != self.prepare:  # one name, two queries: wrong answers
            raise ValueError(f"prepared statement {name!r} defined twice with different text")
        self.run = f"EXECUTE {name} ({', '.join(args)})" if args else f"EXECUTE {name}"

    def execute(self, cursor, params=()):
        done = _prepared_on(cursor.db)
        if self.name not in done:
            cursor.execute(self.prepare)  # no parameters: psycopg2 leaves the text (and any %) alone
            done.add(self.name)
        cursor.execute(self.run, params or None)
        return cursor


_texts = {}


def _prepared_on(db):
    """The names prepared on the current server connection of a Django database wrapper."""
    raw = db.connection
    state = getattr(db, "_prepared_statements", None)
    if state is None or state[0] is not raw:  # a new connection (holding the old one keeps `is` exact)
        state = (raw, set())
        db._prepared_statements = state
    return state[1]
