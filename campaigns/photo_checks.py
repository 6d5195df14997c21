"""The checks on a campaign acceptance photo and a task progress photo as they come in (core.photo_flags, issue 28).

- acceptance (考核验收): ``same_photo`` when the picture is one already sent for another village's acceptance (or
  another campaign's), or a problem photo of another village; ``taken_before_assignment`` when the camera says it
  was taken before the campaign began.
- task progress (任务进度): ``same_photo`` when the picture is one already sent with another progress report (another
  month's report of the same task and area counts: that is the photo sent again for new work);
  ``taken_before_assignment`` when the camera says it was taken before the task's year began.

Neither has EXIF columns (the upload's EXIF time is read from the processed upload), nor comes from the phone app,
so ``no_camera_data`` does not apply."""
from datetime import date

from django.utils import timezone

from core.months import local_start
from core.photo_flags import first_match_flag, flag, how_close, local_time, match_of
from geo import scope
from patrol.models import Photo
from patrol.photo_checks import same_as_problem_photo

from .models import AcceptancePhoto, TaskProgressPhoto


def _taken(processed):
    taken = processed.exif_time if processed is not None else None
    if taken is not None and timezone.is_naive(taken):
        taken = timezone.make_aware(taken)  # cameras record local time without a zone
    return taken


def describe_acceptance_photo(match):
    a = match.acceptance
    return match_of(a.recorded_at, village=a.village_id,
                    town=scope.town_of(a.village_id), photo=match.pk, kind="acceptance") | {"campaign": a.campaign_id}


def check_acceptance_photo(row, processed=None):
    acceptance = row.acceptance
    campaign, village = acceptance.campaign, acceptance.village_id
    flags = []
    same = first_match_flag(
        "same_photo", AcceptancePhoto.objects.select_related("acceptance__campaign")
        .exclude(acceptance__campaign=campaign, acceptance__village_id=village), row, describe_acceptance_photo,
        lambda m: f"与专项行动“{m.acceptance.campaign.name}”{m.acceptance.village_id} "
                  f"{local_time(m.acceptance.recorded_at)} 的验收照片相同：{how_close(m, row)}")
    same = same or same_as_problem_photo(row, Photo.objects.exclude(issue__village_id=village))
    if same:
        flags.append(same)
    taken, since = _taken(processed), local_start(campaign.start)
    if taken is not None and taken < since:
        flags.append(flag("taken_before_assignment",
                          f"拍摄于 {local_time(taken)}，早于专项行动开始时间 {local_time(since)}"))
    return flags


def describe_progress_photo(match):
    p = match.progress
    code = p.area
    village = code if len(code) >= scope.WIDTH["village"] else None
    return match_of(p.entered_at, village=village, town=scope.town_of(code), photo=match.pk,
                    kind="task_progress") | {"task": p.task_id}


def check_progress_photo(row, processed=None):
    progress = row.progress
    flags = []
    same = first_match_flag(
        "same_photo", TaskProgressPhoto.objects.select_related("progress").exclude(progress=progress), row,
        describe_progress_photo,
        lambda m: f"与任务进度填报（任务 #{m.progress.task_id}，{m.progress.area}，"
                  f"{local_time(m.progress.entered_at)}）的照片相同：{how_close(m, row)}")
    if same:
        flags.append(same)
    taken, since = _taken(processed), local_start(date(progress.task.year, 1, 1))
    if taken is not None and taken < since:
        flags.append(flag("taken_before_assignment",
                          f"拍摄于 {local_time(taken)}，早于任务年度开始 {local_time(since)}"))
    return flags
