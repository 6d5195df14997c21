"""Two database roles: the tests connect as the application role, like the web process; history is append-only
for it by privilege (no UPDATE/DELETE/TRUNCATE, owns no table, cannot switch triggers off) and, for everybody,
by trigger (rows and TRUNCATE)."""
import io

import psycopg2
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from patrol.models import IssueEvent
from tests.factories import make_issue, make_user

pytestmark = pytest.mark.django_db


def refused(sql, params=None):
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(caught.value)


def test_tests_run_as_the_application_role_which_owns_nothing():
    with connection.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user")
        user, superuser, createdb = cur.fetchone()
        cur.execute("SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole")
        owned = cur.fetchone()[0]
        cur.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'patrol_issueevent'")
        history_owner = cur.fetchone()[0]
    assert user == "patrol_app" and not superuser and not createdb
    assert owned == 0
    assert history_owner == "patrol_owner"


def test_application_role_cannot_rewrite_empty_or_unfence_history(geography):
    issue = make_issue(make_user("inspector", "310112102"))
    event = IssueEvent.objects.get(issue=issue)
    assert "permission denied" in refused("UPDATE patrol_issueevent SET note = 'x' WHERE id = %s", [event.pk])
    assert "permission denied" in refused("DELETE FROM patrol_issueevent WHERE id = %s", [event.pk])
    assert "permission denied" in refused("TRUNCATE patrol_issueevent")
    assert "owner" in refused("ALTER TABLE patrol_issueevent DISABLE TRIGGER patrol_issueevent_append_only")
    assert "owner" in refused("ALTER TABLE patrol_issueevent DISABLE TRIGGER ALL")
    assert "permission denied" in refused("SET session_replication_role = replica")
    assert "owner" in refused("DROP TRIGGER patrol_issueevent_no_truncate ON patrol_issueevent")
    assert "permission denied" in refused("CREATE TABLE public.sneaky (id int)")
    # ... while adding to history and changing the problem itself still work
    with connection.cursor() as cur:
        cur.execute("UPDATE patrol_issue SET description = 'ok' WHERE id = %s", [issue.pk])
    assert IssueEvent.objects.filter(issue=issue).count() == 1
    assert IssueEvent.objects.get(pk=event.pk).note == event.note


def test_even_the_owner_meets_the_fences():
    """Row triggers refuse UPDATE/DELETE and the statement trigger refuses TRUNCATE, whoever asks."""
    db = connection.settings_dict
    conn = psycopg2.connect(dbname=db["NAME"], host=db["HOST"], user="patrol_owner")
    try:
        with conn.cursor() as cur:
            cur.execute("SET lock_timeout = '10s'")
            with pytest.raises(psycopg2.Error, match="append-only: TRUNCATE refused"):
                cur.execute("TRUNCATE patrol_issueevent CASCADE")
            conn.rollback()
            cur.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'patrol_issueevent'::regclass "
                        "AND NOT tgisinternal ORDER BY 1")
            assert [r[0] for r in cur.fetchall()] == ["patrol_issueevent_append_only", "patrol_issueevent_no_truncate"]
    finally:
        conn.close()


def test_print_grants_prints_the_sql_for_an_external_database():
    out = io.StringIO()
    call_command("print_grants", "--owner", "patrol_owner", "--app", "patrol_web", stdout=out)
    sql = out.getvalue()
    assert 'CREATE ROLE "patrol_web" LOGIN NOSUPERUSER' in sql
    assert 'ALTER DATABASE' in sql and 'OWNER TO "patrol_owner"' in sql
    assert 'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "public"."patrol_issueevent" FROM "patrol_web";' \
        in sql
    assert 'GRANT SELECT, INSERT ON "public"."patrol_issueevent" TO "patrol_web";' in sql


def test_bulk_load_refuses_a_database_with_real_users(geography):
    from django.core.management.base import CommandError

    make_user("town", "310112102")  # has a usable password: a real user
    with pytest.raises(CommandError, match="real users"):
        call_command("bench_bulk_load", "10")
