"""Every record table is append-only, guarded like the problem history (issue 29, item 6): the application role
may read and add, may fill in only the few columns the flows fill in later, and may never rewrite, remove or empty
a row; the database's triggers refuse it to everyone; the admin offers no add, change or delete on a record;
a month is reopened only by its own logged action; admin actions check their own permission."""
from datetime import date

import psycopg2
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from assessment import services as assessment
from assessment.models import MonthClose, MonthCloseLog, Scorecard
from ops.dbroles import RECORD_TABLES
from patrol.models import Issue, Photo
from patrol.services import add_photo
from tests.factories import DISTRICT, at, close_issue, make_issue, make_user, tiny_jpeg

pytestmark = pytest.mark.django_db
V1, V2 = "310112102201", "310112102202"
ITEMS = [{"item": k, "points": p} for k, p in (("front_back", 20), ("clutter", 20), ("water", 15), ("garbage", 15),
                                                ("toilets", 10), ("roads", 10), ("upkeep", 5))]


def refused(sql, params=None):
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(caught.value)


def test_the_application_role_may_not_rewrite_remove_or_empty_any_record(geography):
    with connection.cursor() as cur:
        for table, columns in RECORD_TABLES.items():
            cur.execute("SELECT has_table_privilege(current_user, %s, 'DELETE'), "
                        "has_table_privilege(current_user, %s, 'UPDATE'), "
                        "has_table_privilege(current_user, %s, 'TRUNCATE'), "
                        "has_table_privilege(current_user, %s, 'INSERT')", [table] * 4)
            assert cur.fetchone() == (False, False, False, True), table
            cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                        "AND NOT attisdropped AND has_column_privilege(current_user, %s, attname, 'UPDATE')",
                        [table, table])
            assert sorted(r[0] for r in cur.fetchall()) == sorted(columns), table
            cur.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table])
            names = {r[0] for r in cur.fetchall()}
            assert {f"{table}_append_only", f"{table}_no_truncate"} <= names, table
    # the statements the probe ran, refused by privilege
    for sql in ("DELETE FROM assessment_monthcloselog", "DELETE FROM assessment_scorecard",
                "DELETE FROM households_exportlog", "DELETE FROM supervision_orderevent",
                "UPDATE assessment_monthclose SET closed = false", "DELETE FROM assessment_monthclose",
                "UPDATE patrol_photo SET issue_id = issue_id", "TRUNCATE campaigns_taskprogress"):
        assert "permission denied" in refused(sql), sql


def test_even_the_owner_meets_the_record_fences(geography):
    """The triggers refuse a rewrite, a removal or emptying whoever asks (the owner here, on rows it adds)."""
    db = connection.settings_dict
    conn = psycopg2.connect(dbname=db["NAME"], host=db["HOST"], user="patrol_owner")
    try:
        with conn.cursor() as cur:
            cur.execute("SET lock_timeout = '10s'")
            for sql in ("UPDATE assessment_monthclose SET closed = false", "DELETE FROM assessment_monthclose",
                        "DELETE FROM assessment_monthcloselog", "UPDATE assessment_monthcloselog SET note = 'x'",
                        "TRUNCATE households_exportlog"):
                cur.execute("INSERT INTO assessment_monthclose (month, district, closed, schemes, closed_at) "
                            "VALUES ('2026-07-01', '310112', true, '{}', now())")
                cur.execute("INSERT INTO assessment_monthcloselog (month, district, action, note, at) "
                            "VALUES ('2026-07-01', '310112', 'close', '', now())")
                with pytest.raises(psycopg2.Error, match="append-only"):
                    cur.execute(sql)
                conn.rollback()
    finally:
        conn.close()


def test_a_closed_month_changes_only_through_its_log_and_takes_no_scorecard(geography):
    district, town = make_user("district", DISTRICT), make_user("town", "310112102")
    assessment.close_month("2026-08", DISTRICT, user=district)
    # the back door the probe used: removing the closure, then entering a scorecard
    with pytest.raises(DatabaseError), transaction.atomic():
        MonthClose.objects.filter(month=date(2026, 8, 1)).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        MonthClose.objects.filter(month=date(2026, 8, 1)).update(closed=False)
    with pytest.raises(DatabaseError, match="closed"), transaction.atomic():  # past the service, the database
        Scorecard.objects.create(village_id=V1, month=date(2026, 8, 1), assessor=town, scheme="dazhangzhuang",
                                 items={}, total=0)
    assert MonthClose.objects.get(month=date(2026, 8, 1)).closed
    # reopening is its own logged action; then the month takes scorecards, and closing again is logged too
    row = assessment.reopen_month(district, "2026-08", note="补录漏评的村")
    assert row.closed is False
    Scorecard.objects.create(village_id=V1, month=date(2026, 8, 1), assessor=town, scheme="dazhangzhuang",
                             items={}, total=0)
    assert assessment.close_month("2026-08", DISTRICT, user=district) == [DISTRICT]
    assert MonthClose.objects.get(month=date(2026, 8, 1)).closed
    assert list(MonthCloseLog.objects.order_by("at", "id").values_list("action", "note")) == [
        ("close", ""), ("reopen", "补录漏评的村"), ("close", "")]


def test_a_replaced_scorecard_is_filled_in_once_and_never_rewritten(geography):
    from django.core.management import call_command

    call_command("assessment_scheme", DISTRICT, "dazhangzhuang")
    town = make_user("town", "310112102")
    first, _ = assessment.submit_scorecard(town, V1, "2026-09", ITEMS)
    second, _ = assessment.submit_scorecard(town, V1, "2026-09", [*ITEMS[:-1], {"item": "upkeep", "points": 10}])
    first.refresh_from_db()
    assert (first.current, first.replaced_by_id, second.current) == (False, second.pk, True)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Scorecard.objects.filter(pk=first.pk).update(replaced_by=first)  # filled in already
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Scorecard.objects.filter(pk=first.pk).update(current=True)  # never current again
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        Scorecard.objects.filter(pk=second.pk).update(total=100)


def test_a_problem_photo_stays_with_its_problem(geography):
    inspector, town, village = (make_user("inspector", DISTRICT), make_user("town", "310112102"),
                                make_user("village", V1))
    issue = close_issue(make_issue(inspector, village=V1, reported_at=at(2026, 9, 5)), town, village)
    other = make_issue(inspector, village=V2)
    photo = Photo.objects.get(issue=issue)
    assert photo.submitted_with_id is not None  # cited by the submission
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        Photo.objects.filter(pk=photo.pk).update(issue=other)
    assert "permission denied" in refused("DELETE FROM patrol_photo WHERE id = %s", [photo.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Photo.objects.filter(pk=photo.pk).update(submitted_with=None)
    fresh, _ = add_photo(inspector, other.pk, tiny_jpeg(color=(1, 200, 3)), "before")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Photo.objects.filter(pk=fresh.pk).update(phash="0" * 16)  # already computed: never rewritten
    assert Photo.objects.get(pk=photo.pk).issue_id == issue.pk


# --- the admin ------------------------------------------------------------------------------------------------------


@pytest.fixture
def superuser(geography):
    user = make_user("admin", "")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_the_admin_offers_no_add_change_or_delete_on_any_record(superuser, rf):
    request = rf.get("/admin/")
    request.user = superuser
    registered = {m._meta.db_table: a for m, a in admin.site._registry.items()}
    covered = {t for t in RECORD_TABLES if t in registered}
    assert covered == {"patrol_issueevent", "patrol_photo", "assessment_monthclose", "assessment_monthcloselog",
                       "assessment_scorecard", "campaigns_quotachange", "campaigns_acceptance",
                       "campaigns_taskprogress", "households_pointentry", "households_exportlog",
                       "supervision_orderevent"}
    for table in covered:
        model_admin = registered[table]
        assert not model_admin.has_add_permission(request), table
        assert not model_admin.has_change_permission(request), table
        assert not model_admin.has_delete_permission(request), table
        assert "delete_selected" not in model_admin.get_actions(request), table


def _reopen(client, pk, note):
    return client.post(reverse("admin:assessment_monthclose_changelist"),
                       {"action": "reopen", "_selected_action": [pk], "note": note, "index": 0}, follow=True)


def test_reopening_a_month_in_the_admin_is_the_logged_action(superuser, client):
    assessment.close_month("2026-08", DISTRICT)
    row = MonthClose.objects.get(month=date(2026, 8, 1))
    client.force_login(superuser)
    # no change page, no delete page
    assert client.post(reverse("admin:assessment_monthclose_delete", args=[row.pk]), {"post": "yes"}).status_code \
        == 403
    assert MonthClose.objects.filter(pk=row.pk, closed=True).exists()
    page = _reopen(client, row.pk, "")  # a reopening needs its reason
    assert "请说明重新打开的理由" in page.content.decode()
    assert MonthClose.objects.get(pk=row.pk).closed
    page = _reopen(client, row.pk, "补录漏评的村")
    assert "已重新打开" in page.content.decode()
    assert not MonthClose.objects.get(pk=row.pk).closed
    log = MonthCloseLog.objects.order_by("-at", "-id").first()
    assert (log.action, log.by_id, log.note) == ("reopen", superuser.pk, "补录漏评的村")


def test_admin_actions_check_their_own_permission(geography, client):
    """A staff member who may only look (view_issue, view_monthclose) runs neither 更正 nor the reopening."""
    assessment.close_month("2026-08", DISTRICT)
    row = MonthClose.objects.get(month=date(2026, 8, 1))
    issue = make_issue(make_user("inspector", DISTRICT), village=V1)
    viewer = make_user("district", DISTRICT)
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_issue"),
                                Permission.objects.get(codename="view_monthclose"))
    client.force_login(viewer)
    assert client.get(reverse("admin:patrol_issue_change", args=[issue.pk])).status_code == 200
    url = reverse("admin:patrol_issue_correct", args=[issue.pk])
    assert client.get(url).status_code == 403
    r = client.post(url, {"category": "shack", "source": issue.source, "lon": issue.location.x,
                          "lat": issue.location.y, "reason": "改类别"})
    assert r.status_code == 403
    assert Issue.objects.get(pk=issue.pk).category_id == issue.category_id
    r = client.post(reverse("admin:patrol_issue_changelist"),
                    {"action": "correct_selected", "_selected_action": [issue.pk], "index": 0})
    assert r.status_code == 200 and "/correct/" not in r.get("Location", "")
    _reopen(client, row.pk, "越权重新打开")
    assert MonthClose.objects.get(pk=row.pk).closed
    assert not MonthCloseLog.objects.filter(action="reopen").exists()
    changelist = client.get(reverse("admin:patrol_issue_changelist")).content.decode()
    assert "correct_selected" not in changelist
