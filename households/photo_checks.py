"""The checks on a household ledger photo as it comes in (core.photo_flags, issue 28): ``same_photo`` when the picture
is one already sent for another household (the same yard shown for two households, or a photo passed around),
``taken_before_assignment`` when the camera says a monthly score's photo was taken before the month it scores.
It is entered by village staff from the office pages or the API, not the phone app: no ``no_camera_data``."""
from django.utils import timezone

from core.months import local_start
from core.photo_flags import first_match_flag, flag, how_close, local_time, match_of

from .models import EntryPhoto


def describe(match):
    h = match.household
    return match_of(match.uploaded_at, village=h.village_id, town=h.town_id, grid=h.grid_id, photo=match.pk,
                    kind="household") | {"household": h.code}


def check_entry_photo(row, processed=None, month=None):
    flags = []
    same = first_match_flag(
        "same_photo", EntryPhoto.objects.select_related("household").exclude(household=row.household), row, describe,
        lambda m: f"与农户 {m.household.code}（{m.household.village_id}）{local_time(m.uploaded_at)} 的积分照片相同："
                  f"{how_close(m, row)}")
    if same:
        flags.append(same)
    taken = processed.exif_time if processed is not None else None
    if taken is not None and month is not None:
        if timezone.is_naive(taken):
            taken = timezone.make_aware(taken)  # cameras record local time without a zone
        since = local_start(month)
        if taken < since:
            flags.append(flag("taken_before_assignment",
                              f"拍摄于 {local_time(taken)}，早于评比月份 {month:%Y-%m} 的开始"))
    return flags
