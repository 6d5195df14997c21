"""The checks on a problem's photo as it comes in (core.photo_flags): reused, before-photo again, taken before the
assignment, far from the problem, no camera data. Called by services.add_photo through attach_photo, and by
`manage.py photo_hashes` for photos stored before the checks existed (then only earlier photos count)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.photo_flags import first_match_flag, flag, how_close, local_time, match_of
from core.stored_photos import near_matches

from .models import Action, IssueEvent, Photo


def _earlier(qs, photo):
    return qs.filter(pk__lt=photo.pk) if photo.pk else qs


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def describe(match):
    """A matching problem photo as stored in a flag."""
    issue = match.issue
    return match_of(match.uploaded_at, issue=issue.pk, village=issue.village_id, town=issue.town_id,
                    grid=issue.grid_id, photo=match.pk, kind=match.kind)


def same_as_problem_photo(row, photos):
    """The `same_photo` flag of evidence from another flow (an order answer, a campaign acceptance) that repeats a
    problem photo: the first match among `photos` (problem photos, less the caller's own), naming its problem."""
    return first_match_flag(
        "same_photo", photos.select_related("issue"), row, describe,
        lambda m: f"与问题 #{m.issue_id}（{m.issue.village_id or m.issue.town_id}）{local_time(m.uploaded_at)} "
                  f"的照片相同：{how_close(m, row)}")


def same_picture(photo, candidates):
    """The first of a few ``candidates`` that is the same picture as ``photo`` (same bytes or pHash within the
    threshold), or None."""
    from core.photos import hamming

    limit = int(settings.PATROL.get("PHOTO_SAME_MAX_BITS", 12))
    for c in candidates:
        if c.sha256 == photo.sha256 or (c.phash and photo.phash and hamming(c.phash, photo.phash) <= limit):
            return c
    return None


def assigned_at(issue):
    """When the problem was last handed to someone to fix (交办, or reopened after a re-inspection)."""
    return (IssueEvent.objects.filter(issue=issue, action__in=(Action.ASSIGN, Action.REOPEN))
            .order_by("-at").values_list("at", flat=True).first())


def check_issue_photo(photo, processed=None, *, from_app=False):
    issue = photo.issue
    flags = []
    others = _earlier(Photo.objects.select_related("issue").exclude(issue=issue), photo)
    found = near_matches(others, photo.phash, photo.sha256)
    if found:
        m = found[0]
        how = "同一文件" if m.distance == 0 and m.sha256 == photo.sha256 else f"近似（相差 {m.distance} 位）"
        flags.append(flag("same_photo", f"与问题 #{m.issue_id}（{m.issue.village_id or m.issue.town_id}）"
                                        f"{_local(m.uploaded_at)} 的照片相同：{how}", describe(m)))
    if photo.kind == Photo.Kind.AFTER:
        # The problem's own before-photos are a handful: compared here, not through the index.
        own = same_picture(photo, _earlier(Photo.objects.filter(issue=issue, kind=Photo.Kind.BEFORE), photo))
        if own is not None:
            own.issue = issue
            flags.append(flag("same_as_before", "整改后照片与本问题的整改前照片相同", describe(own)))
    if photo.exif_time is not None:
        if photo.kind == Photo.Kind.AFTER:
            since, what = assigned_at(issue), "交办"
            grace = timedelta(0)
        else:
            since, what = issue.reported_at, "上报"
            grace = timedelta(hours=float(settings.PATROL.get("PHOTO_REPORT_GRACE_H", 24)))
        if since is not None and photo.exif_time < since - grace:
            flags.append(flag("taken_before_assignment",
                              f"拍摄于 {_local(photo.exif_time)}，早于{what}时间 {_local(since)}"))
    if photo.gps_flag:
        flags.append(flag("far_from_problem", f"拍摄位置距问题位置约 {photo.gps_mismatch_m:.0f} 米"))
    if from_app and processed is not None and not processed.has_exif:
        flags.append(flag("no_camera_data", "照片没有相机信息（可能是截图或转发的图片），仅供参考"))
    return flags


def flagged_photos(user, town=None, month=None):
    """The problem photos in the user's area that carry a flag, optionally of one town (``town``, a code that lies
    in or around their area) and one month of upload (``month``, 'YYYY-MM'), newest first."""
    from core.errors import BadInput
    from core.months import month_bounds
    from geo import scope
    from geo.models import Town

    area = scope.of(user)
    qs = (Photo.objects.select_related("issue").exclude(flags=[])
          .filter(scope.place_q(area, "issue__")).order_by("-uploaded_at", "-id"))
    if town:
        if not (Town.objects.filter(code=town).exists() and scope.touches(area, town)):
            raise BadInput("街镇不存在或不在您的辖区内", field="town")
        qs = qs.filter(issue__town_id=town)
    if month:
        start, end = month_bounds(month)
        qs = qs.filter(uploaded_at__gte=start, uploaded_at__lt=end)
    return qs


def trust_counts(village_codes, start, end):
    """{(village, month): (flagged, rejected)} of the villages' problems between two instants: problem photos
    uploaded with a flag, and 复核 rejections citing a flag (issue 28's counts), per local month of the upload or
    of the rejection. One grouped query each, whatever the number of villages."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    codes = list(village_codes)
    flagged = (Photo.objects.filter(issue__village_id__in=codes, uploaded_at__gte=start, uploaded_at__lt=end)
               .exclude(flags=[]).annotate(m=TruncMonth("uploaded_at")).values("issue__village_id", "m")
               .annotate(n=Count("id")).values_list("issue__village_id", "m", "n"))
    rejected = (IssueEvent.objects.filter(issue__village_id__in=codes, action=Action.REJECT, at__gte=start,
                                          at__lt=end, data__has_key="cited_flags")
                .annotate(m=TruncMonth("at")).values("issue__village_id", "m").annotate(n=Count("id"))
                .values_list("issue__village_id", "m", "n"))
    out = {}
    for i, rows in enumerate((flagged, rejected)):
        for code, m, n in rows:
            key = (code, timezone.localtime(m).date())
            pair = list(out.get(key, (0, 0)))
            pair[i] = n
            out[key] = tuple(pair)
    return out


def village_month_counts(village_code, months):
    """[(month, flagged evidence, evidence rejected citing a flag)] for a village's problems, per month of upload
    (of the rejection): what the dossier shows."""
    if not months:
        return []
    from core.months import month_bounds

    start, _ = month_bounds(months[0])
    _, end = month_bounds(months[-1])
    counts = trust_counts([village_code], start, end)
    return [(m, *counts.get((village_code, m), (0, 0))) for m in months]


def flags_for_review(user, flags, match_images=None):
    """A photo's stored flags as a reviewer's page shows them (templates/patrol/_photo_flags.html, the one wording
    of the problem page's 复核 step, the campaign acceptance results, the task progress reports and a household's
    ledger): each as this user may read it (serializers.photo_flags_for: a match outside their area is named by its
    town only), with its code's label (core.photo_flags.CODES), ``weak`` for a weak flag, the matching earlier
    photo's time in local time and, when they may see that photo, its address (``match_image``).

    ``match_images`` maps a match's ``kind`` to a function of the matched photo's id giving its address, for the
    evidence of other flows (an acceptance photo, a progress photo, a ledger photo); a problem photo's (kinds
    before / after) is the problem photo's own. A match of a kind without an address is named, not shown."""
    from django.urls import reverse
    from django.utils.dateparse import parse_datetime

    from core.photo_flags import CODES, WEAK

    from .serializers import photo_flags_for

    images = {kind: (lambda pk: reverse("patrol:photo-image", args=[pk])) for kind in Photo.Kind.values}
    images.update(match_images or {})
    out = []
    for f in photo_flags_for(user, flags):
        match = f["match"] or {}
        image = images.get(match.get("kind"))
        at = match.get("at")
        out.append(f | {"label": CODES.get(f["code"], f["code"]), "weak": f["code"] in WEAK,
                        "at_local": at and parse_datetime(at),
                        "match_image": image(match["photo"]) if image and match.get("photo") else None})
    return out
