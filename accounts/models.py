"""People and the one area each of them works in."""
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    INSPECTOR = "inspector", "巡查员"
    VILLAGE = "village", "村干部/网格长"
    TOWN = "town", "街镇整治办"
    DISTRICT = "district", "区农业农村委"
    SUPERVISOR = "supervisor", "督导/巡查组长"
    LEADER = "leader", "区领导/街镇主要领导"
    ADMIN = "admin", "系统管理员"
    OPERATOR = "operator", "服务运营公司"


class User(AbstractUser):
    role = models.CharField("角色", max_length=12, choices=Role.choices, default=Role.INSPECTOR)
    area_code = models.CharField(
        "所属区域代码", max_length=15, blank=True,
        help_text="区（6位）、街镇（9位）、行政村（12位）或网格（15位）代码",
    )
    # The service company (facilities.Operator code) an `operator` account works for. A plain code, not a
    # foreign key: accounts sits below facilities; add_user asks facilities (accounts.signals.operator_account).
    operator_code = models.CharField("服务运营公司代码", max_length=30, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(area_code="") | Q(area_code__regex=r"^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$"),
                name="user_area_code_shape",
            ),
            models.CheckConstraint(condition=Q(role="operator") | Q(operator_code=""),
                                   name="user_operator_code_only_operators"),
        ]

    @property
    def area_level(self):
        from geo.models import level_of

        return level_of(self.area_code)

    def covers(self, code):
        """True when the area named by `code` lies in this user's area (codes are hierarchical prefixes)."""
        from geo import scope

        return bool(self.area_code) and scope.covers(self.area_code, code)

    def clean(self):
        super().clean()
        from geo.models import area_exists

        if self.area_code and not area_exists(self.area_code):
            raise ValidationError({"area_code": f"区域代码 {self.area_code} 不存在"})
