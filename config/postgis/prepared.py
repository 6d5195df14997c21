"""Statements prepared once per database connection (PREPARE), then run by name (EXECUTE).

PostgreSQL plans a query every time it receives its text, and psycopg2 sends every query as text. For the few
small queries that each report runs, planning cost more than running them (pg_stat_statements on the bench
database, 1 million problems: locating a point took 1.55 ms to plan and 0.78 ms to run, the neighbour search
0.48 and 0.37 ms, the token lookup 0.28 and 0.07 ms). Prepared on the server once per connection, they are
planned once (PostgreSQL keeps a generic plan after five runs) and later runs only execute.

The names live as long as the server session: `PREPARE` is not undone by a rollback, and a new connection starts
with none. A pooler in transaction mode (PgBouncer) would break this; DEPLOY.md connects directly.
"""


class Statement:
    """A query with $1…$n placeholders and their PostgreSQL types, run through a Django cursor."""

    def __init__(self, name, sql, types):
        self.name = name
        self.prepare = f"PREPARE {name} ({', '.join(types)}) AS {sql}"
        self.run = f"EXECUTE {name} ({', '.join(['%s'] * len(types))})" if types else f"EXECUTE {name}"

    def execute(self, cursor, params=()):
        done = _prepared_on(cursor.db)
        if self.name not in done:
            cursor.execute(self.prepare)  # no parameters: psycopg2 leaves the text (and any %) alone
            done.add(self.name)
        cursor.execute(self.run, list(params) or None)
        return cursor


def _prepared_on(db):
    """The names prepared on the current server connection of a Django database wrapper."""
    raw = db.connection
    state = getattr(db, "_prepared_statements", None)
    if state is None or state[0] is not raw:  # a new connection (holding the old one keeps `is` exact)
        state = (raw, set())
        db._prepared_statements = state
    return state[1]
