"""Patrol plans (巡查计划): teams' ordered stops for a day, their routes, and the GPS tracks of patrols done.

The tables keep the names they had when these models lived in `patrol` (db_table), so moving them lost no row."""
from django.conf import settings
from django.contrib.gis.db import models


class PatrolPlan(models.Model):
    """A saved plan: for one day and area, several teams' ordered stops from a start point (the town office)."""

    date = models.DateField("巡查日期")
    area_code = models.CharField("区域代码", max_length=15)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="制定人")
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    teams = models.PositiveSmallIntegerField("组数")
    start = models.PointField("出发点", srid=4326)
    hours = models.FloatField("工作时长（小时）", null=True, blank=True)
    day_start = models.TimeField("出发时间")
    service_min = models.FloatField("每点停留（分钟）")
    speed_kmh = models.FloatField("车速（公里/小时）")
    matrix = models.CharField("行程时间来源", max_length=10,
                              help_text="roads：路网（每段都走路网）；mixed：路网，部分路段为直线估算；"
                                        "haversine：直线×绕行系数")
    priority_total = models.PositiveIntegerField("候选总优先分", default=0)
    priority_collected = models.PositiveIntegerField("计划收集优先分", default=0)
    solve_seconds = models.FloatField("求解用时（秒）", default=0)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "patrol_patrolplan"
        verbose_name = verbose_name_plural = "巡查计划"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["area_code", "date"])]

    def __str__(self):
        return f"巡查计划 #{self.pk} {self.date}"


class PatrolRoute(models.Model):
    plan = models.ForeignKey(PatrolPlan, models.CASCADE, related_name="routes")
    team = models.PositiveSmallIntegerField("组")
    distance_m = models.FloatField("里程（米）")
    duration_s = models.FloatField("用时（秒）")
    geom = models.LineStringField("路线", srid=4326, null=True, blank=True)
    legs = models.JSONField(
        "路段", default=list, blank=True,
        help_text="[{from, to, source: roads|estimate, distance_m, duration_s, points: [首, 末]}]；"
                  "estimate：直线距离×绕行系数估算（路网不连通或点位离路网过远）")

    class Meta:
        db_table = "patrol_patrolroute"
        verbose_name = verbose_name_plural = "巡查路线"
        ordering = ["plan", "team"]
        constraints = [models.UniqueConstraint(fields=["plan", "team"], name="route_once_per_team")]


class PatrolStop(models.Model):
    """A candidate stop of a plan; `team` is null when the plan leaves it out."""

    class Kind(models.TextChoices):
        ISSUE = "issue", "问题点位"
        VILLAGE = "village", "行政村"
        HOTSPOT = "hotspot", "反弹聚集点"
        POINT = "point", "点位"

    plan = models.ForeignKey(PatrolPlan, models.CASCADE, related_name="stops")
    key = models.CharField("编号", max_length=40, help_text="issue:ID / village:代码 / hotspot:N")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    label = models.CharField("名称", max_length=200)
    reasons = models.JSONField("入选理由", default=list)
    priority = models.PositiveIntegerField("优先分")
    location = models.PointField("位置", srid=4326)
    issue = models.ForeignKey("patrol.Issue", models.PROTECT, null=True, blank=True, related_name="+")
    village = models.ForeignKey("geo.Village", models.PROTECT, null=True, blank=True, related_name="+")
    must = models.BooleanField("必到", default=False)
    team = models.PositiveSmallIntegerField("组", null=True, blank=True)
    seq = models.PositiveSmallIntegerField("顺序", null=True, blank=True)
    arrival = models.DateTimeField("预计到达", null=True, blank=True)
    departure = models.DateTimeField("预计离开", null=True, blank=True)
    visited_by = models.ForeignKey("Track", models.SET_NULL, null=True, blank=True, related_name="visited_stops")

    class Meta:
        db_table = "patrol_patrolstop"
        verbose_name = verbose_name_plural = "巡查点位"
        ordering = ["plan", "team", "seq", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="stop_once_per_plan")]


class Track(models.Model):
    """The GPS track of a patrol that was done (uploaded as GPX): what it covered."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    plan = models.ForeignKey(PatrolPlan, models.SET_NULL, null=True, blank=True, related_name="tracks")
    name = models.CharField("名称", max_length=200, blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    day = models.DateField("巡查日期", db_index=True)
    geom = models.MultiLineStringField("轨迹", srid=4326)
    points = models.PositiveIntegerField("轨迹点数")
    distance_m = models.FloatField("里程（米）")
    villages = models.ManyToManyField("geo.Village", related_name="patrol_tracks", blank=True,
                                      db_table="patrol_track_villages")
    grids = models.ManyToManyField("geo.Grid", related_name="patrol_tracks", blank=True, db_table="patrol_track_grids")

    class Meta:
        db_table = "patrol_track"
        verbose_name = verbose_name_plural = "巡查轨迹"
        ordering = ["-day", "-id"]
