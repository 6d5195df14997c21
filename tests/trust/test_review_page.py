"""The reviewer's view: on the problem page's 复核 step the flags, beside the matching earlier photo; a rejection
may cite them (page and API), and the event keeps what it cited."""
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from patrol.models import IssueEvent
from patrol.services import add_photo, transition_issue
from tests.factories import V1, V3, make_issue

from .photos import altered, jpeg_bytes, photo

pytestmark = pytest.mark.django_db


def jpeg(im, quality=90):
    return SimpleUploadedFile("p.jpg", jpeg_bytes(im, quality), content_type="image/jpeg")


def submitted_with_reused_photo(people, earlier_village=V1):
    earlier = make_issue(people["inspector"], earlier_village)
    transition_issue(people["district"], earlier.pk, "assign")
    uploader = people["village"] if earlier_village == V1 else people["village3"]
    old, _ = add_photo(uploader, earlier.pk, jpeg(photo("coffee")), "after")
    issue = make_issue(people["inspector"], V1)
    transition_issue(people["town"], issue.pk, "assign")
    new, _ = add_photo(people["village"], issue.pk, jpeg(altered(photo("coffee"))["crop5"], 75), "after")
    transition_issue(people["village"], issue.pk, "submit")
    return earlier, old, issue, new


def page(user, issue):
    client = Client()
    client.force_login(user)
    return client, client.get(reverse("patrol:issue-detail", args=[issue.pk])).content.decode()


def test_review_step_shows_the_flag_beside_the_earlier_photo(people):
    earlier, old, issue, new = submitted_with_reused_photo(people)
    _, html = page(people["town"], issue)
    section = html[html.index('data-testid="photo-review"'):html.index("</section>", html.index("photo-review"))]
    assert "重复使用的照片" in section
    assert reverse("patrol:photo-image", args=[new.pk]) in section
    assert reverse("patrol:photo-image", args=[old.pk]) in section  # side by side
    assert f"问题 #{earlier.pk}" in section
    assert html.index("photo-review") < html.index('name="action"')  # before the buttons
    assert 'name="cite_flags" value="same_photo"' in html


def test_a_match_in_another_town_is_not_shown(people):
    earlier, old, issue, _ = submitted_with_reused_photo(people, earlier_village=V3)
    _, html = page(people["town"], issue)
    assert "与其他街镇照片重复" in html
    # the match is neither shown nor named: no picture, no number, no link ("#{pk}" followed by more hex digits is
    # one of the page's CSS colours, such as #1f4e79, not a problem's number)
    assert reverse("patrol:photo-image", args=[old.pk]) not in html
    assert not re.search(rf"#{earlier.pk}(?![0-9a-fA-F])", html)
    assert reverse("patrol:issue-detail", args=[earlier.pk]) not in html


def test_rejection_cites_the_flag_from_the_page_and_the_api(people, login):
    _, _, issue, _ = submitted_with_reused_photo(people)
    client, _ = page(people["town"], issue)
    r = client.post(reverse("patrol:issue-detail", args=[issue.pk]),
                    {"action": "reject", "note": "照片重复", "cite_flags": ["same_photo"]})
    assert r.status_code == 302
    event = IssueEvent.objects.filter(issue=issue, action="reject").get()
    assert event.data["cited_flags"] == ["same_photo"]
    # through the API: an unknown code is a 400 naming the field
    add_photo(people["village"], issue.pk, jpeg(photo("rocket")), "after")
    transition_issue(people["village"], issue.pk, "submit")
    api = login(people["town"])
    url = reverse("patrol:issue-transition", args=[issue.pk])
    r = api.post(url, {"action": "reject", "note": "x", "cite_flags": ["nonsense"]}, format="json")
    assert r.status_code == 400 and "cite_flags" in r.json()["field"]
    r = api.post(url, {"action": "reject", "note": "x", "cite_flags": ["same_as_before"]}, format="json")
    assert r.status_code == 200
    latest = IssueEvent.objects.filter(issue=issue, action="reject").latest("at")
    assert latest.data["cited_flags"] == ["same_as_before"]


def test_dossier_counts_flagged_evidence_and_rejections_citing_it(people):
    from django.utils import timezone

    _, _, issue, _ = submitted_with_reused_photo(people)
    transition_issue(people["town"], issue.pk, "reject", note="照片重复", data={"cited_flags": ["same_photo"]})
    client = Client()
    client.force_login(people["district"])
    html = client.get(reverse("assessment:village-dossier", args=[V1])).content.decode()
    table = html[html.index('data-testid="photo-trust"'):]
    table = table[:table.index("</table>")]
    month = timezone.localdate().strftime("%Y-%m")
    row = table[table.index(f"<td>{month}</td>"):]
    assert row.startswith(f'<td>{month}</td><td class="num">1</td><td class="num">1</td>')
