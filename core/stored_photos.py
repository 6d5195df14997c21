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

    class Meta:
        abstract = True

    def take(self, processed: ProcessedPhoto):
        """Copy onto the row what checking the upload found."""
        self.content_type, self.sha256 = processed.content_type, processed.sha256


class LocatedPhoto(StoredPhoto):
    exif_location = models.PointField(srid=4326, null=True, blank=True)
    exif_time = models.DateTimeField(null=True, blank=True)

    class Meta:
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


def attach_photo(row, upload, *, name, field="image", same=(), file_field="image", save=True):
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
