"""A photo kept with a row: the abstract photo models and ``attach_photo``, the one way every flow stores a photo.

``StoredPhoto`` is what every photo row holds (the served content type and the digest of the original upload);
``LocatedPhoto`` adds the EXIF position and capture time read from the original, kept as data while the served file
has no EXIF at all. Each concrete model declares its ``image`` FileField (with its own folder) and the row it belongs
to; its table and columns stay its app's.

``attach_photo`` is "check and clean (``core.photos``) → 400 on a bad picture → digest → store and insert", for a
problem's photos, a work order's, an acceptance's, a task progress report's, an order answer's and a household
ledger entry's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

if TYPE_CHECKING:  # core.photos (Pillow, pillow-heif) is loaded when a photo comes in, not with the models
    from .photos import ProcessedPhoto


class StoredPhoto(models.Model):
    content_type = models.CharField(max_length=30)  # of the served (cleaned) file
    sha256 = models.CharField(max_length=64)  # hex digest of the ORIGINAL upload: the same picture sent again
    # (indexed below: the byte-identical half of the reused-photo check)
    # Perceptual hashes of the upright picture (core.photos.perceptual_hashes), 16 hex digits; null until computed
    # (rows from before they existed: `manage.py photo_hashes`) or when the picture could not be hashed.
    phash = models.CharField(max_length=16, null=True, blank=True)
    dhash = models.CharField(max_length=16, null=True, blank=True)
    # The pHash's four 16-bit quarters (0–65535), each with a btree index that carries the hash and the id: the
    # near-duplicate lookup (near_matches) is multi-index hashing over them, read from the indexes alone.
    phash_q0 = models.IntegerField(null=True, blank=True)
    phash_q1 = models.IntegerField(null=True, blank=True)
    phash_q2 = models.IntegerField(null=True, blank=True)
    phash_q3 = models.IntegerField(null=True, blank=True)
    phash_bits = models.BigIntegerField(null=True, blank=True)  # the pHash as a signed 64-bit integer (for XOR)
    # What the checks found when the photo came in (core.photo_flags): a list of {"code", "detail", "match"}.
    # Written with the row (or once by `photo_hashes` for older rows), never changed after.
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True
        # A concrete model with a Meta of its own lists these too (indexes=[*StoredPhoto.Meta.indexes, ...]).
        indexes = [
            *(models.Index(fields=[f"phash_q{i}"], include=["phash_bits", "id"], name=f"%(app_label)s_%(class)s_q{i}",
                           condition=models.Q(**{f"phash_q{i}__isnull": False}))
              for i in range(4)),
            models.Index(fields=["sha256"], name="%(app_label)s_%(class)s_s"),
        ]

    def take(self, processed: ProcessedPhoto):
        """Copy onto the row what checking the upload found."""
        self.content_type, self.sha256 = processed.content_type, processed.sha256
        self.set_hashes(processed.phash, processed.dhash)

    def set_hashes(self, phash, dhash):
        self.phash, self.dhash = phash, dhash
        quarters = hash_quarters(phash) if phash else (None,) * 4
        self.phash_q0, self.phash_q1, self.phash_q2, self.phash_q3 = quarters
        self.phash_bits = signed64(phash) if phash else None

    @property
    def flag_codes(self):
        return [f.get("code") for f in self.flags or ()]


class LocatedPhoto(StoredPhoto):
    exif_location = models.PointField(srid=4326, null=True, blank=True)
    exif_time = models.DateTimeField(null=True, blank=True)

    class Meta(StoredPhoto.Meta):
        abstract = True

    def take(self, processed: ProcessedPhoto):
        super().take(processed)
        self.exif_location = None
        if processed.exif_lon is not None and processed.exif_lat is not None:
            self.exif_location = Point(processed.exif_lon, processed.exif_lat, srid=4326)
        exif_time = processed.exif_time
        if exif_time is not None and timezone.is_naive(exif_time):
            exif_time = timezone.make_aware(exif_time)  # cameras record local time without a zone
        self.exif_time = exif_time


def signed64(phash: str) -> int:
    """A 16-hex-digit hash as PostgreSQL's bigint holds it (two's complement)."""
    value = int(phash, 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def hash_quarters(phash: str) -> tuple[int, int, int, int]:
    """The four 16-bit quarters of a 16-hex-digit hash, most significant first."""
    return tuple(int(phash[i : i + 4], 16) for i in range(0, 16, 4))


def within_bits(value: int, radius: int) -> list[int]:
    """Every 16-bit value within `radius` bits of `value` (1 + 16 + 120 values for radius 2)."""
    from itertools import combinations

    out = [value]
    for r in range(1, radius + 1):
        for bits in combinations(range(16), r):
            v = value
            for b in bits:
                v ^= 1 << b
            out.append(v)
    return out


def near_matches(queryset, phash: str, sha256: str = "", max_distance: int | None = None, limit: int = 5):
    """Rows of ``queryset`` (a StoredPhoto model's) whose picture is the same as this one: the same original bytes,
    or a pHash at most ``max_distance`` bits away (default: settings.PATROL["PHOTO_SAME_MAX_BITS"]). Nearest first,
    each with ``distance`` (0 for the same bytes).

    Multi-index hashing: cut the 64-bit hash into four 16-bit quarters. If two hashes are at most d bits apart,
    some quarter i differs by at most r_i bits whenever r_0 + r_1 + r_2 + r_3 ≥ d − 3 (were every quarter off by
    r_i + 1 or more, they would differ by d + 1 or more). So the candidates are the rows with some quarter among
    the few values that close to ours (697 + 3 × 137 values for d = 12), found through each quarter's btree index;
    only those candidates get the exact Hamming distance. A BK-tree would have to live in every worker's memory
    and be rebuilt as photos arrive; this needs four ordinary indexes, is exact, and stays in the database."""
    from django.conf import settings
    from django.db import connection
    from django.db.models.expressions import RawSQL

    if max_distance is None:
        max_distance = int(settings.PATROL.get("PHOTO_SAME_MAX_BITS", DEFAULT_SAME_MAX_BITS))
    t = connection.ops.quote_name(queryset.model._meta.db_table)
    signed = signed64(phash) if phash else 0
    # Raw SQL: one index-only scan per quarter (UNION ALL, which a BitmapOr of the ORM's OR could not be: that
    # reads every candidate's table row), the exact distance on the candidates, plus the same bytes by sha256.
    parts, params = [], []
    if phash:
        for i, (q, radius) in enumerate(zip(hash_quarters(phash), quarter_radii(max_distance), strict=True)):
            parts.append(f"SELECT id, phash_bits FROM {t} WHERE phash_q{i} = ANY(%s) AND phash_q{i} IS NOT NULL")
            params.append(within_bits(q, radius))
    sql = ""
    if parts:
        sql = (f"SELECT c.id FROM ({' UNION ALL '.join(parts)}) c "
               "WHERE bit_count((c.phash_bits # (%s)::bigint)::bit(64)) <= %s")
        params += [signed, max_distance]
    if sha256:
        sql = f"{sql} UNION " if sql else ""
        sql += f"SELECT id FROM {t} WHERE sha256 = %s"
        params.append(sha256)
    if not sql:
        return []
    with transaction.atomic(), connection.cursor() as cur:
        # A few thousand index entries: parallel workers would cost more to start than the scan itself.
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cur.execute(sql, params)
        ids = [r[0] for r in cur.fetchall()]
    if not ids:
        return []
    distance = RawSQL(
        f"CASE WHEN {t}.sha256 = %s THEN 0 WHEN {t}.phash_bits IS NULL THEN 99 "
        f"ELSE bit_count(({t}.phash_bits # (%s)::bigint)::bit(64)) END",
        (sha256 or "", signed),
    )
    return list(queryset.filter(pk__in=ids).annotate(distance=distance).order_by("distance", "pk")[:limit])


DEFAULT_SAME_MAX_BITS = 12


def quarter_radii(max_distance: int) -> list[int]:
    """Per-quarter radii adding up to max_distance − 3 (see near_matches), the larger ones first."""
    total = max(0, max_distance - 3)
    return [total // 4 + (1 if i < total % 4 else 0) for i in range(4)]


def attach_photo(row, upload, *, name, field="image", same=(), file_field="image", save=True, check=None):
    """Check and clean ``upload``, store the cleaned copy in the unsaved ``row``'s file field and insert the row.

    - ``upload``: the uploaded file (or bytes), or a ``ProcessedPhoto`` that ``clean_photo`` already checked (flows
      that check every upload before they write anything pass those). A picture ``core.photos`` refuses is BadInput
      naming ``field``, the form field it came in.
    - ``name``: the stored file's stem; "-<16 hex digits of the digest>.<extension>" is added, in the folder of
      the file field's ``upload_to``.
    - ``same``: the row's fields that, with the digest, make the same picture sent twice (a retry): the row stored
      first is returned instead of a second one, also when two requests race (the table's unique constraint).
    - ``save=False`` stores the file and leaves inserting the row to the caller (the household ledger, whose row
      takes the file's name in its one INSERT under a lock).
    - ``check(row, processed)``: the flow's checks (reused, old, misplaced photo: core.photo_flags); the list of
      flags it returns is stored with the row in its one INSERT. A photo without a perceptual hash is flagged
      ``unchecked``; a check that fails does the same: the checks never block an upload or lose a photo.

    Returns (row, created).
    """
    from .photos import ProcessedPhoto, clean_photo

    processed = upload if isinstance(upload, ProcessedPhoto) else clean_photo(upload, field)
    if isinstance(row, StoredPhoto):
        row.take(processed)
    lookup = ({f: getattr(row, f) for f in same} | {"sha256": processed.sha256}) if same else None
    if lookup:
        existing = type(row)._default_manager.filter(**lookup).first()
        if existing is not None:
            return existing, False
    if isinstance(row, StoredPhoto):
        from .photo_flags import run_checks

        row.flags = run_checks(row, processed, check)
    content = ContentFile(processed.content)
    if not save:
        getattr(row, file_field).save(processed.file_name(name), content, save=False)
        return row, True
    try:
        with transaction.atomic():
            getattr(row, file_field).save(processed.file_name(name), content, save=False)
            row.save(force_insert=True)
    except IntegrityError:
        if not lookup:
            raise
        return type(row)._default_manager.get(**lookup), False
    return row, True
