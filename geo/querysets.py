"""Querysets for areas and boundary pieces (spatial logic lives here, not in views)."""
from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon

from . import scope


class AreaQuerySet(models.QuerySet):
    def within(self, area_code):
        """Areas that lie in the area named by a code (codes are hierarchical prefixes)."""
        return self.filter(scope.code_q(area_code or None))

    def in_bbox(self, bbox):
        minx, miny, maxx, maxy = bbox
        return self.filter(boundary__bboverlaps=Polygon.from_bbox((minx, miny, maxx, maxy)))


class BoundaryPieceQuerySet(models.QuerySet):
    def containing(self, lon, lat):
        return self.filter(geom__intersects=Point(lon, lat, srid=4326))
