"""Sections made of row lists: activity forms and their facts, focus topics, the
banner rule (with its preview's sample unit), participant categories, publicity
channels, assessment indicators."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from policies.editor import rows
from policies.editor.base import Section
from policies.programme_data import FIELD_LABELS
from policies.programme_rules import SAMPLE_UNIT
from policies.rules import Problem
from units.models import Unit


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
