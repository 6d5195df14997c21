"""What the layers keep of their own: the base map's boundary lines, ready for each zoom (issue 27)."""
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q

# Zoom bands: a tile of zoom z reads the lines of band clamp(z, FIRST_BAND, LAST_BAND). Towns from FIRST_BAND,
# villages and grids from the zooms the base map shows them (layers.basemap VILLAGE_ZOOM, GRID_ZOOM).
FIRST_BAND, LAST_BAND = 10, 18
LEVEL_FIRST_BAND = {"town": FIRST_BAND, "village": 11, "grid": 15}


class BaseOutline(models.Model):
    """The boundary of a town, village or grid as a line, simplified to about one pixel of one zoom (`band`:
    360 / (256 · 2^band) degrees, what the tile query used to compute on every request) and in Web Mercator, so
    a base tile only clips and encodes. Kept by triggers on geo_town, geo_village and geo_grid (migration 0001):
    whatever writes a boundary — the admin, an import, the demo, a test's factory — keeps these rows right."""

    level = models.CharField(max_length=8)
    code = models.CharField(max_length=15)
    band = models.PositiveSmallIntegerField()
    geom = models.MultiLineStringField(srid=3857, spatial_index=False)

    class Meta:
        indexes = [models.Index(fields=["level", "code"], name="layers_outline_area")] + [
            # One partial GiST index per band: a tile's box search reads only its band's lines.
            GistIndex(fields=["geom"], condition=Q(band=band), name=f"layers_outline_z{band}")
            for band in range(FIRST_BAND, LAST_BAND + 1)]
        constraints = [
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="layers_outline_geom_valid"),
            models.CheckConstraint(condition=Q(level__in=list(LEVEL_FIRST_BAND)), name="layers_outline_level"),
            models.CheckConstraint(condition=Q(band__gte=FIRST_BAND, band__lte=LAST_BAND), name="layers_outline_band"),
        ]
