"""The checks on an evidence photo and the flags they leave on it: reused, old, misplaced or camera-less photos.

A flag is a dict stored with the photo row (``StoredPhoto.flags``) when it comes in, never changed after:
``{"code": ..., "detail": "…", "match": {...} | None}``. Codes:

- ``same_photo``: the same bytes, or a pHash within PHOTO_SAME_MAX_BITS, as an earlier photo of another problem,
  order or village; ``match`` names it (issue, village, town, grid, at, photo).
- ``same_as_before``: an after-photo that is the problem's own before-photo again.
- ``taken_before_assignment``: EXIF DateTimeOriginal before the problem was assigned (before its report, past a
  grace, for report photos).
- ``far_from_problem``: EXIF position farther than PHOTO_GPS_MISMATCH_M from the problem.
- ``no_camera_data``: no EXIF at all on a photo sent from the phone app (a screenshot, a forwarded picture): weak.
- ``unchecked``: no perceptual hash could be made (or a check failed): nothing was checked beyond the bytes.

The checks themselves are the flows' (patrol.photo_checks, …); this module holds what they share and
``public_flags``, which turns stored flags into what a given person may read: a match outside their area is named
by its town only ("与其他街镇照片重复"), never shown.
"""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)

CODES = {
    "same_photo": "重复使用的照片",
    "same_as_before": "与整改前照片相同",
    "taken_before_assignment": "拍摄时间早于交办",
    "far_from_problem": "拍摄位置偏离问题位置",
    "no_camera_data": "无相机信息",
    "unchecked": "未能检查",
}
WEAK = {"no_camera_data"}
OTHER_AREA = "与其他街镇照片重复"


def flag(code, detail, match=None):
    assert code in CODES, code
    return {"code": code, "detail": detail, "match": match}


def run_checks(row, processed, check):
    """The flags of a photo about to be stored: ``unchecked`` without a hash, then the flow's ``check``.
    A failing check never blocks the upload: it is logged and the photo is flagged ``unchecked``."""
    flags = []
    if not row.phash:
        flags.append(flag("unchecked", "无法计算照片指纹，未做近似重复检查"))
    if check is None:
        return flags
    try:
        with transaction.atomic():  # a failing query must not break the caller's transaction
            flags += check(row, processed)
    except Exception:  # noqa: BLE001 - the photo is kept whatever happens here
        log.exception("photo checks failed for %s", type(row).__name__)
        if not flags:
            flags.append(flag("unchecked", "照片检查出错，未做检查"))
    return flags


def match_of(at, *, issue=None, village=None, town=None, grid=None, photo=None, kind=""):
    """The stored description of a matching earlier photo."""
    return {"issue": issue, "village": village, "town": town, "grid": grid,
            "at": at.isoformat() if at else None, "photo": photo, "kind": kind}


def public_flags(flags, sees):
    """The flags as the API and pages give them to a person; ``sees(town, village, grid)`` says whether a place lies
    in their area (geo.scope). A match in their area keeps issue, village, time and photo; one outside it is named
    by its town only."""
    out = []
    for f in flags or ():
        m = f.get("match")
        if m and not sees(m.get("town"), m.get("village"), m.get("grid")):
            out.append({"code": f["code"], "detail": OTHER_AREA,
                        "match": {"issue": None, "village": None, "at": m.get("at"), "area": m.get("town")}})
            continue
        shown = None
        if m:
            shown = {"issue": m.get("issue"), "village": m.get("village"), "at": m.get("at"),
                     "photo": m.get("photo"), "kind": m.get("kind", "")}
        out.append({"code": f["code"], "detail": f["detail"], "match": shown})
    return out


def first_match_flag(code, queryset, row, describe, detail):
    """A ``code`` flag naming the nearest photo of ``queryset`` that is the same picture as ``row`` (only rows
    stored before it count), or None. ``detail(match)`` words it."""
    from .stored_photos import near_matches

    if row.pk:
        queryset = queryset.filter(pk__lt=row.pk)
    found = near_matches(queryset, row.phash, row.sha256, limit=1)
    if not found:
        return None
    return flag(code, detail(found[0]), describe(found[0]))


def how_close(match, row):
    return "同一文件" if match.distance == 0 and match.sha256 == row.sha256 else f"近似（相差 {match.distance} 位）"


def local_time(dt):
    from django.utils import timezone

    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")
