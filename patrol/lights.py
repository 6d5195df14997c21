"""The two light rules, each written once (README "Lights"; a project design, not an office's rule):

- a problem's light: closed → green; open and under red supervision or past its deadline → red; else yellow;
- a village's (or town's) light from its problems' lights: any red → red; else any yellow → yellow; else green.

Each rule is one Django expression (`problem_light`, `area_light`) used as is in the ORM, and rendered to SQL text
from that same object (`problem_light_sql`, `area_light_sql`) for the raw queries (month-end states, tiles, month
rebuilds). The Python twins (`light`, `area_light_of`) are for rows already in hand; tests/patrol/test_lights.py
checks all three agree on every state × deadline × supervision case, and tests/test_layout.py that no other light
CASE exists.
"""
from django.db.models import BooleanField, Case, CharField, DateField, Expression, F, IntegerField, Q, Value, When
from django.db.models.lookups import Exact, GreaterThan, LessThan

CLOSED = "closed"
_DAY = "__light_day__"


class SQLText(Expression):
    """A column (or placeholder) of a raw query, standing in for a field when a light is rendered to SQL."""

    def __init__(self, sql, output_field):
        super().__init__(output_field=output_field)
        self.sql = sql

    def as_sql(self, compiler, connection):
        return self.sql, []


def _day(day):
    return day if hasattr(day, "resolve_expression") else Value(day, output_field=DateField())


def red_when_open(red=None, deadline=None, day=None):
    """The red condition of an open problem (red supervision, or past its deadline on `day`), as a Q."""
    red = F("red_supervision") if red is None else red
    deadline = F("deadline") if deadline is None else deadline
    return Q(Exact(red, True)) | Q(LessThan(deadline, _day(day)))


def problem_light(status=None, red=None, deadline=None, day=None):
    """The problem light as an expression: fields of patrol_issue by default, `day` the date deadlines count
    against (a date or an expression)."""
    status = F("status") if status is None else status
    return Case(
        When(Exact(status, CLOSED), then=Value("green")),
        When(red_when_open(red, deadline, day), then=Value("red")),
        default=Value("yellow"),
        output_field=CharField(),
    )


def area_light(red=None, yellow=None):
    """An area's light from its counts of red and yellow problems, as an expression."""
    red = F("red") if red is None else red
    yellow = F("yellow") if yellow is None else yellow
    return Case(
        When(GreaterThan(red, 0), then=Value("red")),
        When(GreaterThan(yellow, 0), then=Value("yellow")),
        default=Value("green"),
        output_field=CharField(),
    )


def _literal(value):
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def to_sql(expression):
    """SQL text of an expression built from SQLText columns and constants: the constants are written in as
    literals (they are this module's own words and numbers, never input), so the text can sit in a raw query
    whatever its parameter style."""
    from django.db import connection
    from django.db.models.sql import Query

    query = Query(None)
    compiler = query.get_compiler(connection=connection)
    sql, params = expression.resolve_expression(query).as_sql(compiler, connection)
    parts = sql.split("%s")
    assert len(parts) == len(params) + 1, sql
    out = parts[0]
    for value, part in zip(params, parts[1:], strict=True):
        out += _literal(value) + part
    return out


def problem_light_sql(status, red, deadline, day):
    """The problem light as SQL text over a raw query's columns; `day` is the placeholder (or SQL) of the date."""
    text = to_sql(problem_light(SQLText(status, CharField()), SQLText(red, BooleanField()),
                                SQLText(deadline, DateField()), SQLText(_DAY, DateField())))
    return text.replace(_DAY, day)


def area_light_sql(red, yellow):
    return to_sql(area_light(SQLText(red, IntegerField()), SQLText(yellow, IntegerField())))


def light(status, red, deadline, day):
    """The problem light of values in hand (the same rule as problem_light)."""
    if status == CLOSED:
        return "green"
    if red or (deadline is not None and deadline < day):
        return "red"
    return "yellow"


def area_light_of(counts):
    """An area's light from {"red": n, "yellow": n, ...} (the same rule as area_light)."""
    return "red" if counts.get("red") else "yellow" if counts.get("yellow") else "green"
