"""Who sees which facilities and work orders: staff by area (geo.scope), a service company by its facilities."""
from django.contrib.gis.db import models

from geo import scope


def is_operator(user):
    return getattr(user, "role", "") == "operator"


class FacilityQuerySet(models.QuerySet):
    def for_user(self, user):
        if is_operator(user):
            return self.filter(operator_id=user.operator_code) if user.operator_code else self.none()
        return self.filter(scope.place_q(scope.of(user)))


class WorkOrderQuerySet(models.QuerySet):
    def for_user(self, user):
        if is_operator(user):
            # The company that runs the facility now works its orders (also those taken over from another one).
            return self.filter(facility__operator_id=user.operator_code) if user.operator_code else self.none()
        return self.filter(scope.place_q(scope.of(user), prefix="facility__"))

    def unfinished(self):
        return self.exclude(state="done")
