from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models

from units.roles import UNIT_PERMISSIONS, Role


class UnitKind(models.TextChoices):
    OFFICE = "office", "办公室"
    DEPARTMENT = "department", "区属单位"
    SUBDISTRICT = "subdistrict", "街道"


class Unit(models.Model):
    """A district unit: the office, a department (区属单位) or a subdistrict (街道)."""

    code = models.SlugField("单位代码", max_length=64, unique=True)
    name = models.CharField("单位名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    is_sample = models.BooleanField(
        "示例数据", default=False, help_text="演示用的示例单位，不是正式名单。"
    )

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["kind", "code"]
        permissions = list(UNIT_PERMISSIONS.items())

    def __str__(self) -> str:
        return self.name


class UnitRoleGroup(models.Model):
    """The one auth group that carries a unit role (operator or leader) for one unit.

    Guardian object permissions are granted to this group on `unit`; people join the
    group. The row lets selectors join user → group → unit without guardian's generic
    text-cast tables (STACK.md: guardian at scale).
    """

    group = models.OneToOneField(
        Group, on_delete=models.CASCADE, primary_key=True, related_name="unit_role", verbose_name="用户组"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="role_groups", verbose_name="单位")
    role = models.CharField("角色", max_length=16, choices=[(r.value, r.label) for r in (Role.OPERATOR, Role.LEADER)])

    class Meta:
        verbose_name = "单位角色组"
        verbose_name_plural = "单位角色组"
        constraints = [
            models.UniqueConstraint(fields=["unit", "role"], name="one_group_per_unit_role"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}·{self.get_role_display()}"
