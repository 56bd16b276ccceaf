"""The sections of the programme editor, in the order the page shows them.

A section owns some keys of the programme's values (`programme_data`): it builds its
form or row formsets from them, gives them back from the posted data (`contribute`), and
shows each problem of `programme_rules` next to the field it is about (`attach`). A
section whose keys are one of the frozen rule groups (`rule_key`) turns read-only once a
unit has submitted, and is the form of that group's amendment page.

Adding a section (e.g. the reminder rules): a `FieldsSection` with a form, or a
`ListSection` with a row form (`rows.py`), appended to `SECTIONS`; see
docs/programme-editor.md.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal, InvalidOperation

from django import forms

from policies.editor import rows
from policies.models import Programme
from policies.programme_data import CLAUSE_LABELS, FIELD_LABELS, LOCKED_RULES, describe
from policies.programme_rules import SAMPLE_UNIT, BannerPreview, banner_preview
from policies.rules import Problem
from units.models import Unit


class Section:
    key: str
    title: str
    help: str = ""
    fields: tuple[str, ...] = ()  # the values' keys this section edits
    rule_key: str | None = None  # a LOCKED_RULES key: frozen once a unit has submitted
    template = "programmes/_section_fields.html"

    def __init__(self, *, values: dict, data=None, programme: Programme | None = None):
        self.saved, self.data, self.programme = values, data, programme
        self.errors: list[str] = []

    def is_valid(self) -> bool:
        raise NotImplementedError

    def contribute(self, values: dict) -> None:
        raise NotImplementedError

    def attach(self, problem: Problem) -> bool:
        """Show `problem` in this section if it is about one of its keys."""
        raise NotImplementedError

    def owns(self, problem: Problem) -> bool:
        return problem.field.split(".")[0] in self.fields

    def summary(self) -> list[tuple[str, str]]:
        """The saved values in Chinese (read-only view: the programme page, a frozen section)."""
        return [(FIELD_LABELS[name], describe(name, self.saved.get(name), self.saved)) for name in self.fields]

    @property
    def rule_label(self) -> str:
        return LOCKED_RULES[self.rule_key].label if self.rule_key else ""


# ---------------------------------------------------------------- plain fields

class FieldsSection(Section):
    form_class: type[forms.Form]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.form = self.form_class(self.data, initial=self.initial(), **self.form_kwargs())

    def form_kwargs(self) -> dict:
        return {}

    def initial(self) -> dict:
        return {name: self.saved.get(name) for name in self.form_class.base_fields}

    def is_valid(self) -> bool:
        return self.form.is_valid()

    def contribute(self, values: dict) -> None:
        values.update({name: self.form.cleaned_data[name] for name in self.fields})

    def attach(self, problem: Problem) -> bool:
        if not self.owns(problem):
            return False
        name = problem.field if problem.field in self.form.fields else None
        if name is None:
            self.errors.append(problem.message)
        else:
            self.form.add_error(name, problem.message)
        return True


class BasicsForm(forms.Form):
    name = forms.CharField(label="方案名称", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "wide"}))
    code = forms.CharField(label="方案代码", max_length=32, required=False,
                           help_text="小写英文字母、数字和连字符，如 kaifu-2024；用于网址和导出文件名")
    issuer = forms.CharField(label="印发机关", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "wide"}))
    document_number = forms.CharField(label="文号", max_length=100, required=False, help_text="如 开政务公开办发〔2024〕1号")
    issued_on = forms.DateField(label="印发日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    parent = forms.ModelChoiceField(label="上级方案", queryset=Programme.objects.none(), required=False, to_field_name="code",
                                    empty_label="（无）", help_text="本方案所依据的市、省方案")
    accepts_declarations = forms.BooleanField(label="本级单位申报", required=False,
                                              help_text="本级方案受理各单位申报；省、市方案仅作为依据，不受理申报")

    def __init__(self, *args, programme: Programme | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        others = Programme.objects.order_by("-year", "code")
        self.fields["parent"].queryset = others.exclude(pk=programme.pk) if programme and programme.pk else others


class BasicsSection(FieldsSection):
    key, title = "basics", "基本信息"
    fields = ("name", "code", "issuer", "document_number", "issued_on", "parent", "accepts_declarations")
    form_class = BasicsForm

    def form_kwargs(self) -> dict:
        return {"programme": self.programme}

    def summary(self) -> list[tuple[str, str]]:
        parent = self.programme.parent if self.programme and self.programme.parent_id else None
        return [(label, parent.name if label == FIELD_LABELS["parent"] and parent else text) for label, text in super().summary()]

    def contribute(self, values: dict) -> None:
        super().contribute(values)
        values["parent"] = values["parent"].code if values["parent"] else None


MONTHS = [("", "——")] + [(m, f"{m}月") for m in range(1, 13)]


class WindowForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False)
    declaration_due_date = forms.DateField(label="申报截止日期（含当日）", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                           help_text="截止日当天24时前报送的都算按时")
    window_first_month = forms.TypedChoiceField(label="活动起始月份", choices=MONTHS, coerce=int, empty_value=None, required=False)
    window_last_month = forms.TypedChoiceField(label="活动结束月份", choices=MONTHS, coerce=int, empty_value=None, required=False)


class WindowSection(FieldsSection):
    key, title = "window", "年度、申报截止与活动时间"
    help = "各单位的活动须安排在起止月份之内；申报截止日期最迟为活动起始月份的最后一天。"
    fields = ("year", "declaration_due_date", "window_first_month", "window_last_month")
    rule_key = "window"
    form_class = WindowForm


class DeclaringForm(forms.Form):
    themes_per_unit = forms.IntegerField(label="每单位活动主题数", required=False)
    summary_due_days = forms.IntegerField(label="活动后总结期限（天）", required=False, help_text="举办后多少天内提交活动总结")


class DeclaringSection(FieldsSection):
    key, title = "declaring", "申报与总结要求"
    fields = ("themes_per_unit", "summary_due_days")
    form_class = DeclaringForm


class ClausesForm(forms.Form):
    def __init__(self, *args, initial=None, **kwargs):
        super().__init__(*args, initial={f"clause_{k}": v for k, v in (initial or {}).get("clauses", {}).items()}, **kwargs)
        for key, label in CLAUSE_LABELS.items():
            self.fields[f"clause_{key}"] = forms.CharField(label=label, max_length=20, required=False,
                                                           widget=forms.TextInput(attrs={"class": "short"}))


class ClausesSection(FieldsSection):
    key, title = "clauses", "条款出处"
    help = "各项规则的提示信息引用的《实施方案》条款，如“五(二)”。"
    fields = ("clauses",)
    form_class = ClausesForm

    def initial(self) -> dict:
        return {"clauses": self.saved.get("clauses") or {}}

    def contribute(self, values: dict) -> None:
        typed = {key: self.form.cleaned_data[f"clause_{key}"].strip() for key in CLAUSE_LABELS}
        # keys this editor does not know about are kept as they were
        kept = {k: v for k, v in (self.saved.get("clauses") or {}).items() if k not in CLAUSE_LABELS}
        values["clauses"] = {**kept, **{k: v for k, v in typed.items() if v}}

    def attach(self, problem: Problem) -> bool:
        if not self.owns(problem):
            return False
        name = "clause_" + problem.field.split(".", 1)[-1]
        if name in self.form.fields:
            self.form.add_error(name, problem.message)
        else:
            self.errors.append(problem.message)
        return True


class ContactForm(forms.Form):
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=50, required=False)
    contact_email = forms.CharField(label="邮箱", max_length=254, required=False)


class ContactSection(FieldsSection):
    key, title = "contact", "区政务公开办联系人"
    fields = ("contact_name", "contact_phone", "contact_email")
    form_class = ContactForm


# ---------------------------------------------------------------- lists

class RowList:
    """One list of the values edited as rows (a Django formset; blank rows are skipped,
    ticked rows deleted). Problems `<field>.<n>.<key>` go to the n-th kept row."""

    extra = 2

    def __init__(self, *, field: str, row_class: type[rows.Row], items, data, row_kwargs: dict | None = None):
        self.field, self.row_class = field, row_class
        formset_class = forms.formset_factory(row_class, extra=self.extra, can_delete=True)
        initial = [row_class.initial_for(item) for item in items or []]
        self.formset = formset_class(data, prefix=field, initial=initial, form_kwargs=row_kwargs or {})
        self.kept: list[rows.Row] = []
        self.errors: list[str] = []

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field]

    def is_valid(self) -> bool:
        return self.formset.is_valid()

    def items(self) -> list:
        self.kept = [row for row in self.formset.forms if not row.cleaned_data.get("DELETE") and not row.is_blank()]
        return [row.item() for row in self.kept]

    def header(self) -> list[str]:
        return [field.label for field in self.formset.empty_form if field.name != "DELETE"]

    def helps(self) -> list[tuple[str, str]]:
        return [(field.label, field.help_text) for field in self.formset.empty_form if field.help_text]

    def attach(self, problem: Problem) -> bool:
        parts = problem.field.split(".")
        if parts[0] != self.field:
            return False
        if len(parts) >= 2 and parts[1].isdigit() and 0 < int(parts[1]) <= len(self.kept):
            row = self.kept[int(parts[1]) - 1]
            row.add_error(row.field_for(parts[2]) if len(parts) > 2 else None, problem.message)
        else:
            self.errors.append(problem.message)
        return True


class ListSection(Section):
    """A section made of one or more row lists."""

    template = "programmes/_section_rows.html"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lists = self.make_lists()

    def make_lists(self) -> list[RowList]:
        raise NotImplementedError

    def is_valid(self) -> bool:
        results = [part.is_valid() for part in self.lists]  # every list validated, for its errors
        return all(results)

    def contribute(self, values: dict) -> None:
        for part in self.lists:
            values[part.field] = part.items()

    def attach(self, problem: Problem) -> bool:
        if not self.owns(problem):
            return False
        if not any(part.attach(problem) for part in self.lists):
            self.errors.append(problem.message)
        return True


def _choice_section(key: str, title: str, help: str = "") -> type[ListSection]:
    class ChoiceSection(ListSection):
        fields = (key,)

        def make_lists(self):
            return [RowList(field=key, row_class=rows.ChoiceRow, items=self.saved.get(key), data=self.data)]

    ChoiceSection.key, ChoiceSection.title, ChoiceSection.help = key, title, help
    ChoiceSection.__name__ = ChoiceSection.__qualname__ = f"{key.title().replace('_', '')}Section"
    return ChoiceSection


TopicsSection = _choice_section("focus_topics", "重点主题", "各单位申报时从中选择一个重点主题（《实施方案》一）。")
CategoriesSection = _choice_section("participant_categories", "参与人员类别", "登记举办情况时按类别填写参与人数。")
ChannelsSection = _choice_section("publicity_channels", "宣传渠道", "登记宣传报道时选择的渠道。")


class FactList(RowList):
    """The facts of every activity form, one row each; `contribute` puts them into their form."""

    def __init__(self, *, forms_: list[dict], data):
        items = [{**fact, "form": form.get("code")} for form in forms_ for fact in form.get("facts") or []]
        super().__init__(field="facts", row_class=rows.FactRow, items=items, data=data, row_kwargs={"forms_": forms_})
        self.positions: dict[tuple[int, int], rows.Row] = {}

    @property
    def label(self) -> str:
        return "举办时须登记的事项"

    def place(self, forms_: list[dict]) -> None:
        """Put each fact row into its form (`forms_` as the form rows gave them)."""
        index = {form["code"]: n for n, form in enumerate(forms_, start=1) if form.get("code")}
        for form in forms_:
            form["facts"] = []
        for row in self.kept_rows():
            code = row.cleaned_data.get("form")
            if code not in index:
                row.add_error("form", "请选择该事项所属的活动形式（新增的活动形式保存后即可选择）。")
                continue
            form = forms_[index[code] - 1]
            form["facts"].append(row.item())
            self.positions[(index[code], len(form["facts"]))] = row

    def kept_rows(self) -> list[rows.Row]:
        self.kept = [row for row in self.formset.forms if not row.cleaned_data.get("DELETE") and not row.is_blank()]
        return self.kept

    def attach_fact(self, n: int, m: int, key: str | None, message: str) -> bool:
        row = self.positions.get((n, m))
        if row is None:
            return False
        row.add_error(row.field_for(key) if key else None, message)
        return True

    def has_placing_errors(self) -> bool:
        return any(row.errors for row in self.kept)


class FormsSection(ListSection):
    key, title = "forms", "活动形式与举办时须登记的事项"
    help = "每种活动形式可要求邀请某些类别的人员，并规定举办时须登记的事项（《实施方案》三）。"
    fields = ("forms",)
    rule_key = "forms"

    def make_lists(self):
        saved_forms = self.saved.get("forms") or []
        categories = self.saved.get("participant_categories") or []
        self.form_rows = RowList(field="forms", row_class=rows.FormRow, items=saved_forms, data=self.data,
                                 row_kwargs={"categories": categories})
        self.fact_rows = FactList(forms_=saved_forms, data=self.data)
        return [self.form_rows, self.fact_rows]

    def contribute(self, values: dict) -> None:
        forms_ = self.form_rows.items()
        self.fact_rows.place(forms_)
        values["forms"] = forms_

    def is_valid(self) -> bool:
        return super().is_valid()

    def attach(self, problem: Problem) -> bool:
        parts = problem.field.split(".")
        if parts[0] != "forms":
            return False
        if len(parts) >= 4 and parts[2] == "facts" and parts[1].isdigit() and parts[3].isdigit():
            key = parts[4] if len(parts) > 4 else None
            if self.fact_rows.attach_fact(int(parts[1]), int(parts[3]), key, problem.message):
                return True
        return super().attach(problem)


class BannerSection(ListSection):
    key, title = "banner", "会标"
    help = "各单位会标的规范写法（第1个模板）和允许的“暨××××”写法，以及不得使用的名称（《实施方案》五(二)）。"
    fields = ("banner_templates", "forbidden_banner_names")
    rule_key = "banner"
    template = "programmes/_section_banner.html"

    def make_lists(self):
        return [
            RowList(field="banner_templates", row_class=rows.TemplateRow, items=self.saved.get("banner_templates"), data=self.data),
            RowList(field="forbidden_banner_names", row_class=rows.ForbiddenRow, items=self.saved.get("forbidden_banner_names"), data=self.data),
        ]


class PreviewForm(forms.Form):
    """The sample unit and an optional trial banner of the live preview (not saved)."""

    unit = forms.ChoiceField(label="示例单位", required=False)
    trial = forms.CharField(label="试填一个会标", required=False, max_length=200,
                            help_text="看看按上面的规则，这个会标能否通过", widget=forms.TextInput(attrs={"class": "wide"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="preview", **kwargs)
        names = list(Unit.objects.order_by("kind", "code").values_list("name", flat=True)[:300]) or [SAMPLE_UNIT]
        self.fields["unit"].choices = [(name, name) for name in names]
        self.fields["unit"].initial = names[0]

    def unit_name(self) -> str:
        if self.is_valid() and self.cleaned_data["unit"]:
            return self.cleaned_data["unit"]
        return self.fields["unit"].initial

    def trial_text(self) -> str:
        return self.cleaned_data.get("trial", "") if self.is_valid() else ""


class IndicatorsSection(ListSection):
    key, title = "indicators", "考核指标"
    help = "每项指标自动计算（依据审计日志）或由考核评估人员打分；各项权重合计须为100分。"
    fields = ("indicators",)
    rule_key = "indicators"
    template = "programmes/_section_indicators.html"

    def make_lists(self):
        return [RowList(field="indicators", row_class=rows.IndicatorRow, items=self.saved.get("indicators"), data=self.data)]

    def shown_total(self):
        """The weights' sum as the page shows it: of the posted rows (not ticked for deletion), else of the saved ones."""
        if self.data is None:
            weights = [i.get("weight") for i in self.saved.get("indicators") or [] if isinstance(i, dict)]
        else:
            formset = self.lists[0].formset
            weights = [
                self.data.get(f"{row.prefix}-weight") for row in formset.forms if not self.data.get(f"{row.prefix}-DELETE")
            ]
        total = Decimal(0)
        for weight in weights:
            try:
                number = Decimal(str(weight).strip())
            except InvalidOperation:
                continue
            if number.is_finite():
                total += number
        return int(total) if total == total.to_integral_value() else float(total)


# The editor's sections, in page order. One more kind of rule = one more entry here.
SECTIONS: tuple[type[Section], ...] = (
    BasicsSection, WindowSection, DeclaringSection, FormsSection, TopicsSection, BannerSection,
    CategoriesSection, ChannelsSection, IndicatorsSection, ClausesSection, ContactSection,
)


class Editor:
    """Every section of one programme's editor (or, for an amendment, the sections of one rule group).

    `frozen`: the rule groups that may no longer be edited in place (read-only here).
    """

    def __init__(self, *, values: dict, data=None, programme: Programme | None = None,
                 frozen: Collection[str] = (), rule: str | None = None):
        self.values, self.data = values, data
        sections = [cls(values=values, data=data, programme=programme) for cls in SECTIONS]
        self.sections = [s for s in sections if s.rule_key == rule] if rule else sections
        self.frozen = {s.key for s in self.sections if s.rule_key and s.rule_key in frozen and not rule}
        self.preview_form = PreviewForm(data)
        self.errors: list[str] = []

    def editable(self) -> list[Section]:
        return [s for s in self.sections if s.key not in self.frozen]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def is_valid(self) -> bool:
        results = [s.is_valid() for s in self.editable()]  # every section validated, for its errors
        return all(results)

    def changed_values(self) -> dict:
        """The editable sections' values (call after `is_valid`)."""
        values: dict = {}
        for section in self.editable():
            section.contribute(values)
        return values

    def has_errors(self) -> bool:
        forms_section = next((s for s in self.editable() if isinstance(s, FormsSection)), None)
        return bool(forms_section and forms_section.fact_rows.has_placing_errors())

    def show(self, problems: list[Problem]) -> None:
        """Each problem next to its field; what no section owns goes to the top of the page."""
        for problem in problems:
            if not any(section.attach(problem) for section in self.editable()):
                self.errors.append(problem.message)

    def preview(self) -> BannerPreview | None:
        """The banner rule as posted (or as saved), applied to the sample unit."""
        banner = next((s for s in self.sections if isinstance(s, BannerSection)), None)
        if banner is None:
            return None
        templates, forbidden = self.values.get("banner_templates"), self.values.get("forbidden_banner_names")
        if self.data is not None and banner.key not in self.frozen and banner.is_valid():
            posted: dict = {}
            banner.contribute(posted)
            templates, forbidden = posted["banner_templates"], posted["forbidden_banner_names"]
        year = self._year()
        return banner_preview(templates or [], forbidden or [], year=year, unit_name=self.preview_form.unit_name(),
                              trial=self.preview_form.trial_text())

    def _year(self) -> int:
        window = next((s for s in self.sections if isinstance(s, WindowSection)), None)
        if window is not None and self.data is not None and window.key not in self.frozen and window.is_valid():
            year = window.form.cleaned_data.get("year")
            if year and 2000 <= year <= 2100:
                return year
        return self.values.get("year") or dt.date.today().year
