"""The timers' dated commands (notify_deadlines, send_digest, escalate_overdue) share one code path
(core.commands.DatedCommand): the same --today, the same refusal of a bad one, one line of summary each."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.models import Notification
from patrol.services import transition_issue
from tests.factories import DISTRICT, make_issue, make_user


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("command", ["notify_deadlines", "send_digest", "escalate_overdue"])
def test_a_dated_command_refuses_a_bad_day(command):
    with pytest.raises(CommandError, match=r"^--today must be YYYY-MM-DD: '2026-13-01'$"):
        call_command(command, "--today", "2026-13-01")


def test_each_dated_command_works_for_the_day_given(geography):
    district, leader = make_user("district", DISTRICT), make_user("leader", DISTRICT)
    make_user("village", "310112102201")  # the one responsible for the problem below, who is reminded
    issue = make_issue(make_user("inspector", DISTRICT), village="310112102201")
    deadline = timezone.localdate() + timedelta(days=3)
    transition_issue(district, issue.pk, "assign", deadline=deadline)

    assert run("notify_deadlines") == "即将到期提醒 1 件，超期提醒 0 件"
    assert run("notify_deadlines") == "即将到期提醒 0 件，超期提醒 0 件"  # once per deadline
    later = (deadline + timedelta(days=1)).isoformat()
    assert run("notify_deadlines", "--today", later) == "即将到期提醒 0 件，超期提醒 1 件"

    assert run("send_digest", "--today", "2026-03-04") == "已生成领导每周摘要 1 份"
    assert Notification.objects.filter(key="digest:2026-W10", user=leader).exists()  # the week of that day

    with pytest.raises(CommandError, match="--days must be 0 or more"):
        call_command("escalate_overdue", "--days", "-1")
    assert run("escalate_overdue", "--today", (deadline + timedelta(days=15)).isoformat()) == "红色督办新增 0 件"
    raised = run("escalate_overdue", "--today", (deadline + timedelta(days=16)).isoformat())
    assert raised == f"红色督办新增 1 件：{issue.pk}"
