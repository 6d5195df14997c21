"""The year's task list on /tasks/ in a real browser: town staff 下达 a task (name, unit, year, area, target) and
填报进度 with a confirm step (the first POST shows what would be stored, 确认 stores it); bad input is refused next
to the field in Chinese with nothing saved; a form sent twice acts once; the leader sees no write button."""
import os
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Task, TaskProgress
from tests.factories import DISTRICT, TOWN_A, V1, V2, make_user
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _page(browser, live_server, user, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, user)
    return context, page


def _click(page, name):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state("networkidle")


def _field_error(scope, label):
    return scope.get_by_label(label, exact=True).locator("xpath=..").get_by_test_id("field-error").inner_text()


def _toilets(user, target=5):
    return services.create_task(user, {"name": "公厕改造", "year": timezone.localdate().year, "unit": "座",
                                       "level": "town", "targets": [{"area": TOWN_A, "target": target}]})


def test_town_creates_a_task_and_reports_progress_with_a_confirm_step(browser, live_server, geography):
    town = make_user("town", TOWN_A)
    year = timezone.localdate().year
    context, page = _page(browser, live_server, town)
    page.goto(live_server.url + "/tasks/")
    form = page.get_by_test_id("task-form")
    form.get_by_label("任务名称").fill("美丽庭院创建")
    form.get_by_label("单位").fill("户")
    form.get_by_label("区域", exact=True).select_option(label="甲镇 甲村")
    form.get_by_label("年度目标", exact=True).fill("60")
    form.get_by_label("区域 2", exact=True).select_option(label="甲镇 乙村")
    form.get_by_label("年度目标 2", exact=True).fill("40")
    form.get_by_label("责任部门").fill("农业农村办")
    _click(page, "下达任务")
    task = Task.objects.get()
    assert (task.name, task.unit, task.year, task.level, task.office) == (
        "美丽庭院创建", "户", year, "village", "农业农村办")
    assert sorted((t.area, t.target) for t in task.targets.all()) == [(V1, 60), (V2, 40)]
    assert f"已下达年度任务“美丽庭院创建”（{year} 年）" in page.get_by_test_id("messages").inner_text()

    row = page.get_by_test_id(f"task-{task.pk}")
    row.get_by_label("区域").select_option(label="乙村")
    row.get_by_label("本次完成数量").fill("30")
    row.get_by_label("说明").fill("第一批")
    _click(page, "填报进度")
    summary = page.get_by_test_id("confirm-summary").inner_text()
    assert "美丽庭院创建" in summary and "乙村" in summary and "30户" in summary and "30 / 40" in summary
    assert TaskProgress.objects.count() == 0  # nothing stored before 确认
    _click(page, "确认")
    progress = TaskProgress.objects.get()
    assert (progress.task_id, progress.area, progress.value, progress.note, progress.date) == (
        task.pk, V2, 30, "第一批", timezone.localdate())
    assert "已填报进度：美丽庭院创建 乙村 30户" in page.get_by_test_id("messages").inner_text()
    assert "乙村：40户，已填报 30" in page.get_by_test_id(f"task-{task.pk}").inner_text()

    # Far above twice the target: the confirm page says so; 确认 stores it all the same.
    row = page.get_by_test_id(f"task-{task.pk}")
    row.get_by_label("区域").select_option(label="甲村")
    row.get_by_label("本次完成数量").fill("300")
    _click(page, "填报进度")
    assert "超过年度目标 60 的两倍" in page.get_by_test_id("far-above").inner_text()
    _click(page, "确认")
    assert sorted(TaskProgress.objects.values_list("area", "value")) == [(V1, 300), (V2, 30)]
    assert [e for e in page.errors if "400" not in e] == []
    context.close()


def test_bad_task_input_is_refused_next_to_the_field(browser, live_server, geography):
    town = make_user("town", TOWN_A)
    task = _toilets(town)
    context, page = _page(browser, live_server, town)
    page.goto(live_server.url + "/tasks/")
    form = page.get_by_test_id("task-form")
    form.get_by_label("任务名称").fill("一事一议项目")
    form.get_by_label("区域", exact=True).select_option(label="甲镇")
    form.get_by_label("年度目标", exact=True).fill("0")
    _click(page, "下达任务")
    form = page.get_by_test_id("task-form")
    assert "年度目标应大于 0" in _field_error(form, "年度目标")
    assert form.get_by_label("任务名称").input_value() == "一事一议项目"
    form.get_by_label("年度目标", exact=True).fill("")
    _click(page, "下达任务")
    assert "请填写此项" in _field_error(page.get_by_test_id("task-form"), "年度目标")
    form = page.get_by_test_id("task-form")
    form.get_by_label("年度目标", exact=True).fill("3")
    form.get_by_label("区域 2", exact=True).select_option(label="甲镇 甲村")
    form.get_by_label("年度目标 2", exact=True).fill("1")
    _click(page, "下达任务")
    assert "同为街镇或同为行政村" in _field_error(page.get_by_test_id("task-form"), "区域 2")
    assert Task.objects.count() == 1

    row = page.get_by_test_id(f"task-{task.pk}")
    row.get_by_label("本次完成数量").fill("0")
    _click(page, "填报进度")
    assert "数量应大于 0" in _field_error(page.get_by_test_id(f"task-{task.pk}"), "本次完成数量")
    row = page.get_by_test_id(f"task-{task.pk}")
    row.get_by_label("本次完成数量").fill("2")
    row.get_by_label("完成日期").fill(f"{timezone.localdate() + timedelta(days=3):%Y-%m-%d}")
    _click(page, "填报进度")
    assert "完成日期不能晚于今天" in _field_error(page.get_by_test_id(f"task-{task.pk}"), "完成日期")
    assert "进度未填报" in page.get_by_test_id("messages").inner_text()
    assert TaskProgress.objects.count() == 0
    assert [e for e in page.errors if "400" not in e] == []
    context.close()


def test_leader_sees_the_task_list_without_a_write_button(browser, live_server, geography):
    _toilets(make_user("district", DISTRICT))
    leader = make_user("leader", DISTRICT)
    context, page = _page(browser, live_server, leader, 390, 844)  # on a phone: the lists become cards
    page.goto(live_server.url + "/tasks/")
    page.wait_for_load_state("networkidle")
    assert "公厕改造" in page.get_by_test_id("task-list").inner_text()
    for table in ("task-list", "task-table"):
        widths = page.get_by_test_id(table).locator("tbody td").evaluate_all(
            "cells => cells.map(c => c.getBoundingClientRect().width)")
        assert widths and min(widths) > 200, (table, widths)
    assert page.locator("main form[method=post], main button[type=submit]").count() == 0
    assert page.get_by_role("button", name="填报进度").count() == 0
    assert page.errors == []
    context.close()


def _token(html, after=""):
    return re.search(r'name="form_token" value="([^"]+)"', html[html.index(after):]).group(1)


def test_the_same_task_forms_sent_twice_act_once(client, geography):
    town = make_user("town", TOWN_A)
    client.force_login(town)
    html = client.get("/tasks/").content.decode()
    body = {"action": "create", "name": "公厕改造", "unit": "座", "year": timezone.localdate().year,
            "area": TOWN_A, "target": "5", "form_token": _token(html, 'data-testid="task-form"')}
    assert "已下达年度任务" in client.post("/tasks/", body, follow=True).content.decode()
    assert "已经提交过" in client.post("/tasks/", body, follow=True).content.decode()
    task = Task.objects.get()

    report = {"task": task.pk, "area": TOWN_A, "value": "2", "date": f"{timezone.localdate():%Y-%m-%d}",
              "note": ""}
    confirm = client.post("/tasks/", {**report, "action": "preview"}).content.decode()
    assert "确认填报进度" in confirm and TaskProgress.objects.count() == 0
    token = _token(confirm, "确认填报进度")
    store = {**report, "action": "store", "form_token": token, "client_uuid": str(uuid.uuid4())}
    assert "已填报进度" in client.post("/tasks/", store, follow=True).content.decode()
    # The same form again (a double click on 确认), even with another client_uuid: stored once.
    again = client.post("/tasks/", {**store, "client_uuid": str(uuid.uuid4())}, follow=True)
    assert "已经提交过" in again.content.decode()
    assert TaskProgress.objects.count() == 1
    # A leader's POST is refused outright.
    client.force_login(make_user("leader", DISTRICT))
    assert client.post("/tasks/", {**store, "form_token": "z"}).status_code == 403
    assert TaskProgress.objects.count() == 1
