"""The checks on an order answer's photo as it comes in (core.photo_flags): the same picture as another order's
answer or another problem's photo (same_photo), as a before-photo of the order's own problems (same_as_before),
taken before the order was issued (taken_before_assignment)."""

from core.photo_flags import first_match_flag, flag, how_close, local_time, match_of
from geo import scope
from patrol.models import Photo
from patrol.photo_checks import describe as describe_issue_photo
from patrol.photo_checks import same_as_problem_photo

from .models import AnswerPhoto


def describe_answer_photo(match):
    order = match.answer.order
    code = order.addressee_code
    village = scope.village_of(code) if len(code) >= scope.WIDTH["village"] else None  # else: a town's order
    return match_of(match.uploaded_at, village=village, town=scope.town_of(code), photo=match.pk,
                    kind="answer") | {"order": order.pk}


def check_answer_photo(row, processed=None):
    order = row.answer.order
    flags = []
    own_issues = list(order.problems.values_list("pk", flat=True))
    other_answer = first_match_flag(
        "same_photo", AnswerPhoto.objects.select_related("answer__order").exclude(answer__order=order), row,
        describe_answer_photo,
        lambda m: f"与督办单 {m.answer.order.number or m.answer.order.pk} 的反馈照片相同：{how_close(m, row)}")
    other_issue = other_answer or same_as_problem_photo(row, Photo.objects.exclude(issue__in=own_issues))
    if other_issue:
        flags.append(other_issue)
    before = first_match_flag(
        "same_as_before", Photo.objects.select_related("issue").filter(issue__in=own_issues, kind=Photo.Kind.BEFORE),
        row, describe_issue_photo, lambda m: f"与督办问题 #{m.issue_id} 的整改前照片相同")
    if before:
        flags.append(before)
    if row.exif_time is not None and order.issued_at and row.exif_time < order.issued_at:
        flags.append(flag("taken_before_assignment",
                          f"拍摄于 {local_time(row.exif_time)}，早于督办单签发时间 {local_time(order.issued_at)}"))
    return flags
