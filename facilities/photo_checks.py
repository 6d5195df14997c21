"""The checks on a work order's after-photo (处理后) as it comes in (core.photo_flags): the same picture as another
work order's photo (same_photo), as this order's own report photo (same_as_before), taken before the order was
accepted (taken_before_assignment, from the upload's EXIF time: a work order's photo keeps no EXIF columns)."""

from core.photo_flags import first_match_flag, flag, how_close, local_time, match_of

from .models import OrderPhoto


def describe(match):
    order, facility = match.order, match.order.facility
    return match_of(match.uploaded_at, issue=order.issue_id, village=facility.village_id, town=facility.town_id,
                    grid=facility.grid_id, photo=match.pk, kind=match.kind) | {"order": order.pk}


def check_order_photo(row, processed=None):
    order = row.order
    flags = []
    qs = OrderPhoto.objects.select_related("order__facility")
    same = first_match_flag("same_photo", qs.exclude(order=order), row, describe,
                            lambda m: f"与工单 #{m.order_id}（{m.order.facility.village_id}）"
                                      f"{local_time(m.uploaded_at)} 的照片相同：{how_close(m, row)}")
    if same:
        flags.append(same)
    if row.kind == OrderPhoto.Kind.AFTER:
        before = first_match_flag("same_as_before", qs.filter(order=order, kind=OrderPhoto.Kind.REPORT), row,
                                  describe, lambda m: "处理后照片与群众上传的照片相同")
        if before:
            flags.append(before)
        taken = processed.exif_time if processed is not None else None
        since = order.accepted_at or order.reported_at
        if taken is not None and since is not None:
            from django.utils import timezone

            if timezone.is_naive(taken):
                taken = timezone.make_aware(taken)
            if taken < since:
                flags.append(flag("taken_before_assignment",
                                  f"拍摄于 {local_time(taken)}，早于工单受理时间 {local_time(since)}"))
    return flags
