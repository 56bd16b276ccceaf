from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from policies import rules
from policies.programme_data import LOCKED_RULES


class Programme(models.Model):
    """One issuing office's yearly 活动实施方案: everything year-specific, as data.

    A 2024 programme is a new row (fixtures/), not new code. The clause references
    (`clauses`) let every rule message cite the section it comes from.
    """

    code = models.SlugField("方案代码", max_length=32, unique=True)
    name = models.CharField("方案名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    issuer = models.CharField("印发机关", max_length=200)
    document_number = models.CharField("文号", max_length=100)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级方案", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    accepts_declarations = models.BooleanField(
        "本级单位申报", default=False,
        help_text="本级方案是否受理单位申报（省、市方案仅作为依据）。",
    )
    is_open = models.BooleanField("开放申报", default=True)
    is_current = models.BooleanField(
        "当前年度", default=False,
        help_text="导航中的“本年度”：填报、申报列表、安排表和考核默认打开的方案。未设置时为最新一个开放申报的方案。",
    )

    declaration_due_date = models.DateField("申报截止日期（含当日）", null=True, blank=True)
    window_first_month = models.PositiveSmallIntegerField("活动起始月份", default=4)
    window_last_month = models.PositiveSmallIntegerField("活动结束月份", default=11)
    themes_per_unit = models.PositiveSmallIntegerField("每单位活动主题数", default=1)
    summary_due_days = models.PositiveSmallIntegerField("活动后总结期限（天）", default=15)

    forms = models.JSONField("活动形式", default=list, blank=True)
    focus_topics = models.JSONField("重点主题", default=list, blank=True)
    banner_templates = models.JSONField("会标模板", default=list, blank=True)
    forbidden_banner_names = models.JSONField("会标禁用名称", default=list, blank=True)
    participant_categories = models.JSONField("参与人员类别", default=list, blank=True)
    publicity_channels = models.JSONField("宣传渠道", default=list, blank=True)
    assessment_scheme = models.JSONField("考核指标", default=dict, blank=True)
    clauses = models.JSONField("条款出处", default=dict, blank=True)
    results_released_at = models.DateTimeField(
        "考核结果发布时间", null=True, blank=True,
        help_text="区政务公开办发布考核结果后，各单位可查看本单位的得分明细。",
    )

    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)
    contact_email = models.EmailField("邮箱", blank=True)

    class Meta:
        verbose_name = "活动实施方案"
        verbose_name_plural = "活动实施方案"
        ordering = ["-year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="programme_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.document_number}）" if self.document_number else self.name

    # -- policy accessors: what the rule functions need, from this row's data

    def clause(self, key: str, default: str = "") -> str:
        return self.clauses.get(key, default)

    @property
    def banner_rule(self) -> rules.BannerRule:
        return rules.BannerRule(
            templates=self.banner_templates, forbidden=self.forbidden_banner_names,
            clause=self.clause("banner", "五(二)"),
        )

    def canonical_banner(self, unit_name: str) -> str:
        return self.banner_rule.canonical(unit_name=unit_name, year=self.year)

    @property
    def window_months(self) -> list[int]:
        return list(range(self.window_first_month, self.window_last_month + 1))

    def label(self, collection: str, code: str) -> str:
        for item in getattr(self, collection):
            if item["code"] == code:
                return item["label"]
        return code

    def manual_indicators(self) -> list[dict]:
        return [i for i in self.assessment_scheme.get("indicators", []) if i.get("kind") == "manual"]


class ProgrammeAmendment(models.Model):
    """A dated change to a rule that already decided submitted declarations (window, forms,
    banner rule, indicators): what changed, from what to what, why, from when, by whom.

    Written only by `workflow.programme_services.programme_amend`, in the same transaction
    as the change itself and its audit event; never edited or deleted.
    """

    RULE_CHOICES = [(group.key, group.label) for group in LOCKED_RULES.values()]

    programme = models.ForeignKey(Programme, verbose_name="实施方案", on_delete=models.PROTECT, related_name="amendments")
    rule = models.CharField("修订的规则", max_length=32, choices=RULE_CHOICES)
    changes = models.JSONField("修订内容", default=dict, help_text="{字段: [原值, 新值]}")
    reason = models.TextField("修订理由")
    effective_on = models.DateField("生效日期")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修订人", on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "规则修订"
        verbose_name_plural = "规则修订"
        ordering = ["programme", "effective_on", "pk"]

    def __str__(self) -> str:
        return f"{self.programme.code} · {self.get_rule_display()} · {self.effective_on:%Y-%m-%d}"
