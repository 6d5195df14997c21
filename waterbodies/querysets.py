"""Who sees which water bodies: by area (geo.scope), like problems and facilities."""
from django.contrib.gis.db import models

from geo import scope


class WaterBodyQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(scope.place_q(scope.of(user)))
