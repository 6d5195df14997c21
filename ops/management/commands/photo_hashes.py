"""Fill the perceptual hashes (and the trust checks' flags) of photos stored before they existed.

    manage.py photo_hashes [--batch 200]

Every photo table (problems, order answers, work orders, campaign acceptances and progress reports) is walked in
id order; a row is done once it has a hash or a flag, so running it again does nothing, and a run that stops
(Ctrl-C, a deploy) resumes where it was. Each row is hashed from its stored (upright, cleaned) file and checked
against the photos stored before it, as if it had just arrived; a file that is missing or cannot be decoded
leaves the row flagged ``unchecked``. Progress goes to stderr.
"""
from django.core.management.base import BaseCommand
from django.db import transaction


def tables():
    from campaigns.models import AcceptancePhoto, TaskProgressPhoto
    from campaigns.photo_checks import check_acceptance_photo, check_progress_photo
    from facilities.models import OrderPhoto
    from facilities.photo_checks import check_order_photo
    from patrol.models import Photo
    from patrol.photo_checks import check_issue_photo
    from supervision.models import AnswerPhoto
    from supervision.photo_checks import check_answer_photo

    return [
        ("问题照片", Photo, check_issue_photo),
        ("督办反馈照片", AnswerPhoto, check_answer_photo),
        ("工单照片", OrderPhoto, check_order_photo),
        ("专项行动验收照片", AcceptancePhoto, check_acceptance_photo),
        ("任务进展照片", TaskProgressPhoto, check_progress_photo),
    ]


def hash_stored(row):
    from PIL import Image

    from core.photos import perceptual_hashes

    try:
        with row.image.open("rb") as f, Image.open(f) as im:
            im.load()
            return perceptual_hashes(im)
    except Exception:  # noqa: BLE001 - a missing or broken file is flagged unchecked, never stops the run
        return None, None


def fill(model, check, batch=200, progress=None):
    """Hash and check the rows of ``model`` not done yet; returns how many were done."""
    from core.photo_flags import run_checks

    todo = model.objects.filter(phash__isnull=True, flags=[]).order_by("pk")
    total, done, last = todo.count(), 0, 0
    while True:
        rows = list(todo.filter(pk__gt=last)[:batch])
        if not rows:
            break
        for row in rows:
            with transaction.atomic():
                row.set_hashes(*hash_stored(row))
                row.flags = run_checks(row, None, check)
                model.objects.filter(pk=row.pk, phash__isnull=True, flags=[]).update(
                    phash=row.phash, dhash=row.dhash, phash_q0=row.phash_q0, phash_q1=row.phash_q1,
                    phash_q2=row.phash_q2, phash_q3=row.phash_q3, phash_bits=row.phash_bits,
                    flags=row.flags)
            done += 1
            last = row.pk
            if progress:
                progress(done, total)
    return done


class Command(BaseCommand):
    help = "为已存储的照片补算感知哈希并做可信检查（可重复运行，可中断续跑）"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200)

    def handle(self, *args, batch, **options):
        for label, model, check in tables():
            def progress(done, total, label=label):
                width = 30
                filled = width * done // max(total, 1)
                bar = f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
                self.stderr.write(bar, ending="\n" if done == total else "")
                self.stderr.flush()

            n = fill(model, check, batch=max(1, batch), progress=progress)
            self.stdout.write(f"{label}：补算 {n} 张")
