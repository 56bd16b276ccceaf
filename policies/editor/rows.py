"""One row of a list in the editor: a small Django form per item (topic, form, fact,
template, forbidden name, indicator). Each turns its cleaned data into the item as the
programme stores it (`item()`), and back (`initial_for()`). Only types are checked here;
the rules are `policies.programme_rules`, run on the whole programme.
"""
from __future__ import annotations

from decimal import Decimal

from django import forms

from policies.indicators import AUTO, AUTOMATIC_INDICATORS, KIND_LABELS, MANUAL
from policies.programme_data import FACT_TYPES, template_for_people, template_from_people

CODE_HELP = "可留空，保存时自动生成"


def _code_field() -> forms.CharField:
    return forms.CharField(label="代码", required=False, max_length=32, help_text=CODE_HELP,
                           widget=forms.TextInput(attrs={"class": "code", "autocomplete": "off", "spellcheck": "false"}))


def _number(value: Decimal | None):
    """A whole number as int, else float (how the programme's JSON keeps weights)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class Row(forms.Form):
    """A row: blank rows are skipped, so every field is optional here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # a table cell has no <label>: name the input for screen readers
            field.widget.attrs.setdefault("aria-label", str(field.label))

    def is_blank(self) -> bool:
        return not any(v not in (None, "", [], False) for k, v in self.cleaned_data.items() if k != "DELETE")

    @staticmethod
    def initial_for(item) -> dict:
        return dict(item)

    def item(self):
        raise NotImplementedError

    def field_for(self, key: str) -> str | None:
        """Which field of this row shows a problem about `key` of the item."""
        return key if key in self.fields else None


class ChoiceRow(Row):
    """A coded item: focus topic, participant category, publicity channel."""

    label = forms.CharField(label="名称", required=False, max_length=100)
    code = _code_field()

    def item(self) -> dict:
        return {"code": self.cleaned_data["code"].strip(), "label": self.cleaned_data["label"].strip()}


class FormRow(ChoiceRow):
    """An activity form: its name and the people it must invite (any one category of them)."""

    requires_any_participant = forms.MultipleChoiceField(
        label="须邀请（至少一类）", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="留空表示不限",
    )

    def __init__(self, *args, categories: list[dict] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requires_any_participant"].choices = [(c["code"], c["label"]) for c in categories]

    def item(self) -> dict:
        return {**super().item(), "requires_any_participant": list(self.cleaned_data["requires_any_participant"])}


class FactRow(Row):
    """A fact that holding an activity of one form must record (三)."""

    form = forms.ChoiceField(label="活动形式", required=False)
    label = forms.CharField(label="登记事项", required=False, max_length=200)
    type = forms.ChoiceField(label="类型", required=False, choices=list(FACT_TYPES.items()))
    code = _code_field()

    def __init__(self, *args, forms_: list[dict] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].choices = [("", "——")] + [(f["code"], f["label"]) for f in forms_]

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("label") or data.get("code"))

    def item(self) -> dict:
        data = self.cleaned_data
        return {"code": data["code"].strip(), "label": data["label"].strip(), "type": data["type"] or "text"}


class TemplateRow(Row):
    template = forms.CharField(
        label="会标模板", required=False, max_length=300,
        help_text="用【单位名称】【年度】【其他活动名称】表示各单位不同的部分",
        widget=forms.TextInput(attrs={"class": "wide"}),
    )

    @staticmethod
    def initial_for(item) -> dict:
        return {"template": template_for_people(str(item))}

    def item(self) -> str:
        return template_from_people(self.cleaned_data["template"].strip())

    def field_for(self, key: str) -> str:
        return "template"


class ForbiddenRow(Row):
    name = forms.CharField(label="禁用名称", required=False, max_length=100)

    @staticmethod
    def initial_for(item) -> dict:
        return {"name": str(item)}

    def item(self) -> str:
        return self.cleaned_data["name"].strip()

    def field_for(self, key: str) -> str:
        return "name"


BASIS_CHOICES = [(code, f"{KIND_LABELS[AUTO]}：{label}") for code, label in AUTOMATIC_INDICATORS.items()]
BASIS_CHOICES += [(MANUAL, f"{KIND_LABELS[MANUAL]}（考核评估人员按满分打分）")]


class IndicatorRow(Row):
    """An assessment indicator: what it scores (an automatic rule or the assessor's score), its weight."""

    label = forms.CharField(label="指标名称", required=False, max_length=100)
    basis = forms.ChoiceField(label="计分依据", required=False, choices=[("", "——"), *BASIS_CHOICES])
    weight = forms.DecimalField(label="权重（分）", required=False, max_digits=6, decimal_places=2,
                                widget=forms.NumberInput(attrs={"class": "weight", "step": "0.5"}))
    max = forms.DecimalField(label="满分（评估打分）", required=False, max_digits=6, decimal_places=2)
    clause = forms.CharField(label="条款出处", required=False, max_length=20)
    code = _code_field()

    @staticmethod
    def initial_for(item) -> dict:
        kind = item.get("kind", AUTO)
        return {
            "label": item.get("label", ""), "basis": item.get("code") if kind == AUTO else MANUAL,
            "weight": item.get("weight"), "max": item.get("max"), "clause": item.get("clause", ""),
            "code": item.get("code", "") if kind == MANUAL else "",
        }

    def item(self) -> dict:
        data = self.cleaned_data
        basis = data["basis"]
        if basis == MANUAL:
            item = {"code": data["code"].strip(), "kind": MANUAL, "max": _number(data["max"])}
        else:
            item = {"code": basis, "kind": AUTO}
        return {**item, "label": data["label"].strip(), "weight": _number(data["weight"]), "clause": data["clause"].strip()}

    def field_for(self, key: str) -> str | None:
        if key == "code" and self.cleaned_data.get("basis") != MANUAL:
            return "basis"
        return key if key in self.fields else None
