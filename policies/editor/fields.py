"""Sections made of plain fields: basic facts, the year and window, declaring and
summary terms, the clauses cited, the office contact."""
from __future__ import annotations

from django import forms

from policies.editor.base import Section
from policies.models import Programme
from policies.programme_data import CLAUSE_LABELS, FIELD_LABELS
from policies.rules import Problem


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
