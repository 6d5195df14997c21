"""Administrative geography: district → town → village → grid, keyed by statistical division codes."""
from django.contrib.gis.db import models
from django.db.models import Q

from .querysets import AreaQuerySet, BoundaryPieceQuerySet

CODE_LENGTH = {"district": 6, "town": 9, "village": 12, "grid": 15}
LEVEL_BY_LENGTH = {n: level for level, n in CODE_LENGTH.items()}


def level_of(code):
    """The level an area code names, by its length (None when it is no valid code)."""
    if not code or not str(code).isdigit():
        return None
    return LEVEL_BY_LENGTH.get(len(str(code)))


def _valid_boundary(name):
    return models.CheckConstraint(condition=Q(boundary__isvalid=True), name=name)


class Area(models.Model):
    code = models.CharField("代码", max_length=15, primary_key=True)
    name = models.CharField("名称", max_length=100)
    boundary = models.MultiPolygonField("边界", srid=4326)

    objects = AreaQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class District(Area):
    class Meta(Area.Meta):
        verbose_name = verbose_name_plural = "区"
        constraints = [
            _valid_boundary("district_boundary_valid"),
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{6}$"), name="district_code_6_digits"),
        ]


class Town(Area):
    district = models.ForeignKey(District, models.PROTECT, related_name="towns", verbose_name="区")
    # Where the town's patrols leave from (巡查路线's start); set in the admin. Without it the patrol page offers
    # a point inside the town, saying so.
    office = models.PointField("镇政府位置", srid=4326, null=True, blank=True)

    class Meta(Area.Meta):
        verbose_name = verbose_name_plural = "街镇"
        constraints = [
            _valid_boundary("town_boundary_valid"),
            models.CheckConstraint(condition=Q(office__isnull=True) | Q(office__isvalid=True),
                                   name="town_office_valid"),
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{9}$"), name="town_code_9_digits"),
        ]


class Community(models.Model):
    """党建共同体 (plan 001: "共同体书记为‘一线指挥长’"): villages of one town grouped under a secretary. A grouping
    rankings and the year page show; it is no scope (nobody's area is a community)."""

    town = models.ForeignKey(Town, models.PROTECT, related_name="communities", verbose_name="街镇")
    name = models.CharField("名称", max_length=50)
    secretary = models.CharField("共同体书记", max_length=50, blank=True)

    class Meta:
        ordering = ["town", "name"]
        verbose_name = verbose_name_plural = "党建共同体"
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="community_name_unique_in_town")]

    def __str__(self):
        return self.name


class Village(Area):
    town = models.ForeignKey(Town, models.PROTECT, related_name="villages", verbose_name="街镇")
    community = models.ForeignKey(Community, models.PROTECT, null=True, blank=True, related_name="villages",
                                  verbose_name="党建共同体")

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.community_id and self.community.town_id != self.town_id:
            raise ValidationError({"community": "党建共同体须属于本村所在的街镇"})

    class Meta(Area.Meta):
        verbose_name = verbose_name_plural = "行政村"
        constraints = [
            _valid_boundary("village_boundary_valid"),
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{12}$"), name="village_code_12_digits"),
        ]


class Grid(Area):
    village = models.ForeignKey(Village, models.PROTECT, related_name="grids", verbose_name="行政村")
    leader = models.CharField("网格长", max_length=50, blank=True)

    class Meta(Area.Meta):
        verbose_name = verbose_name_plural = "网格"
        constraints = [
            _valid_boundary("grid_boundary_valid"),
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{15}$"), name="grid_code_15_digits"),
            models.CheckConstraint(condition=Q(code__startswith=models.F("village_id")), name="grid_code_in_village"),
        ]


AREA_MODELS = {"district": District, "town": Town, "village": Village, "grid": Grid}


class BoundaryPiece(models.Model):
    """Boundaries cut into small pieces (ST_Subdivide) so that point-in-polygon stays fast on detailed shapes."""

    level = models.CharField(max_length=8)
    code = models.CharField(max_length=15)
    geom = models.PolygonField(srid=4326)

    objects = BoundaryPieceQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["level", "code"])]
        constraints = [models.CheckConstraint(condition=Q(level__in=list(CODE_LENGTH)), name="piece_level_known")]



def area_exists(code):
    level = level_of(code)
    return bool(level) and AREA_MODELS[level].objects.filter(code=code).exists()


def area_by_code(code):
    level = level_of(code)
    return AREA_MODELS[level].objects.filter(code=code).first() if level else None


class RoadEdge(models.Model):
    """One edge of a routable road network (pgRouting topology: source/target node ids, costs in seconds)."""

    source = models.BigIntegerField(db_index=True)
    target = models.BigIntegerField(db_index=True)
    length_m = models.FloatField()
    cost = models.FloatField(help_text="seconds forward; negative when closed")
    reverse_cost = models.FloatField(help_text="seconds backward; negative when one-way")
    kind = models.CharField(max_length=30, blank=True)
    name = models.CharField(max_length=100, blank=True)
    geom = models.LineStringField(srid=4326)

    class Meta:
        verbose_name = verbose_name_plural = "道路"
        constraints = [models.CheckConstraint(condition=Q(geom__isvalid=True), name="road_geom_valid")]
