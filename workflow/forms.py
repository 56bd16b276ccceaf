"""Page forms. They parse input only; every rule is checked by the service the page calls,
and its refusals come back as field errors (`add_problems`)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from policies.models import Programme
from policies.rules import NON_FIELD
from workflow.errors import RuleViolation
from workflow.evidence import Upload
from workflow.models import Declaration, EvidenceKind

ACCEPT = "image/jpeg,image/png,image/gif,image/webp,application/pdf"  # a hint for the file picker; the service decides


def add_problems(form: forms.Form, violation: RuleViolation, *, aliases: dict[str, str] | None = None) -> None:
    """Show each problem of a service refusal next to its field (Chinese, from the rules)."""
    aliases = aliases or {}
    for field, messages in violation.by_field().items():
        name = aliases.get(field, field)
        if name not in form.fields:
            name = aliases.get(field.split(".")[0], field.split(".")[0])
        if name == NON_FIELD or name not in form.fields:
            name = None
        for message in messages:
            form.add_error(name, message)


def month_choices(programme: Programme) -> list[tuple[int, str]]:
    """The programme's window months (四), as a select offers them."""
    return [(m, _("%(month)s (month)") % {"month": m}) for m in programme.window_months]


def keep_chosen_month(field: forms.Field, posted) -> None:
    """A refused page shows the month the scheduler had chosen, even one outside the window (the
    select would otherwise fall back to its first month, next to a message about another)."""
    value = str(posted or "").strip()
    if value.isdigit() and int(value) not in {m for m, _label in field.widget.choices}:
        field.widget.choices = [*field.widget.choices, (int(value), f"{int(value)}月")]


def _choices(items: list[dict]) -> list[tuple[str, str]]:
    return [("", "——")] + [(item["code"], item["label"]) for item in items]


class DeclarationForm(forms.Form):
    """The 申报表: theme, month, form, focus topic, description, banner, contact."""

    theme = forms.CharField(label=_("Activity theme"), max_length=200)
    month = forms.TypedChoiceField(label=_("Month of the activity"), coerce=int, empty_value=None, required=False)
    form = forms.ChoiceField(label=_("Form of the activity"), required=False)
    focus_topic = forms.ChoiceField(label=_("Focus topic"), required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=2000)
    banner = forms.CharField(label=_("Banner"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=50, required=False)

    def __init__(self, *args, programme: Programme, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme, self.unit = programme, unit
        self.canonical_banner = programme.canonical_banner(unit.name)
        self.fields["month"].choices = [("", "——"), *month_choices(programme)]
        self.fields["form"].choices = _choices(programme.forms)
        self.fields["focus_topic"].choices = _choices(programme.focus_topics)
        self.fields["banner"].widget.attrs["placeholder"] = self.canonical_banner
        self.fields["banner"].help_text = _("The banner for your unit: %(banner)s") % {"banner": self.canonical_banner}
        self.fields["contact_phone"].widget.attrs["inputmode"] = "tel"

    @classmethod
    def for_declaration(cls, declaration: Declaration, data=None) -> DeclarationForm:
        initial = {name: getattr(declaration, name) for name in cls.base_fields}
        return cls(data, initial=initial, programme=declaration.programme, unit=declaration.unit)

    def values(self) -> dict:
        return {name: ("" if value is None and name != "month" else value) for name, value in self.cleaned_data.items()}


class SealForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("submit", _("Seal and submit to the office")), ("back", _("Send back to the operator"))],
    )
    note = forms.CharField(label=_("Note to the operator"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="退回填报人时必填：填报人修改时会看到这条意见。")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("return", _("Return to the unit"))],
    )
    reason = forms.CharField(label=_("Reason for returning"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # Sure before it's final: a return is ticked with what it does (static/js/confirm.js shows the box
    # only while 退回 is chosen; without a script it is always there, and asked for on a return).
    confirm = forms.BooleanField(
        label="我已知晓：退回后申报回到本单位草稿，须由填报人修改、负责人重新盖章报送；退回理由单位可见，退回记入审计日志并计入考核。",
        required=False, widget=forms.CheckboxInput(attrs={"value": "yes", "data-confirm-when": "decision=return"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("confirm"):
            self.add_error("confirm", "退回前请先勾选“我已知晓”，确认退回的后果。")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, required: bool = False, **kwargs):
        """`required` marks the field for the browser; the service's rule decides either way."""
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class ScheduleForm(forms.Form):
    month = forms.TypedChoiceField(label=_("Scheduled month"), coerce=int)

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices(programme)


class PublishForm(forms.Form):
    """The schedule page: one month per reviewed declaration listed (`month_<id>`).

    Only the declarations whose month was posted are published (the ones the scheduler
    saw); any number is accepted here, the service checks the window and says why.
    """

    def __init__(self, *args, declarations: list[Declaration], programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.declarations = [d for d in declarations if not self.is_bound or f"month_{d.pk}" in self.data]
        for d in self.declarations:
            name = f"month_{d.pk}"
            self.fields[name] = forms.IntegerField(
                label=_("Scheduled month"), required=False, initial=d.month,
                widget=forms.Select(choices=month_choices(programme)),
            )
            if self.is_bound:
                keep_chosen_month(self.fields[name], self.data.get(self.add_prefix(name)))

    def rows(self) -> list[tuple[Declaration, forms.BoundField]]:
        return [(d, self[f"month_{d.pk}"]) for d in self.declarations]

    def months(self) -> dict[int, int | None]:
        """declaration id → month: what was posted (when it parsed), else the declared month."""
        cleaned = getattr(self, "cleaned_data", {})
        return {d.pk: cleaned.get(f"month_{d.pk}", d.month) for d in self.declarations}

    def aliases(self) -> dict[str, str]:
        return {f"month.{d.pk}": f"month_{d.pk}" for d in self.declarations}


class RescheduleForm(forms.Form):
    """Move one scheduled activity; the service requires the reason and checks the month."""

    month = forms.IntegerField(label=_("New month"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=2000)

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget = forms.Select(choices=month_choices(programme))
        if self.is_bound:
            keep_chosen_month(self.fields["month"], self.data.get(self.add_prefix("month")))


class HoldForm(forms.Form):
    """What the notice asks as evidence that the activity was held (三, 五).

    One publicity row per programme channel (link, date, optional screenshot); rows left
    empty are skipped. Photos go to the service as uploads with the holding itself.
    """

    held_on = forms.DateField(label=_("Date held"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    banner_used = forms.CharField(label=_("Banner actually used"), max_length=200, required=False)
    logo_shown = forms.BooleanField(label=_("The theme-day LOGO was shown on site"), required=False)
    logo_photo = forms.FileField(label=_("Photo of the LOGO on site"), required=False, widget=forms.FileInput(attrs={"accept": ACCEPT}))
    holding_photo = forms.FileField(label=_("Photo of the activity"), required=False, widget=forms.FileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, declaration: Declaration, **kwargs):
        super().__init__(*args, **kwargs)
        programme = declaration.programme
        self.categories = programme.participant_categories
        for category in self.categories:
            self.fields[f"p_{category['code']}"] = forms.IntegerField(
                label=category["label"], min_value=0, required=False, initial=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.channels = programme.publicity_channels
        for channel in self.channels:
            code = channel["code"]
            self.fields[f"pub_{code}_url"] = forms.CharField(
                label=_("Link"), required=False, max_length=500,
                widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
            )
            self.fields[f"pub_{code}_date"] = forms.DateField(
                label=_("Publication date"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields[f"pub_{code}_file"] = forms.FileField(
                label=_("Screenshot (optional)"), required=False, widget=forms.FileInput(attrs={"accept": ACCEPT}),
            )
        self.fields["banner_used"].initial = declaration.banner
        form = next((f for f in programme.forms if f["code"] == declaration.form), None)
        self.facts = form["facts"] if form else []
        for fact in self.facts:
            field = forms.IntegerField(min_value=0) if fact["type"] == "count" else forms.CharField(max_length=500)
            field.label, field.required = fact["label"], False
            self.fields[f"fact_{fact['code']}"] = field

    def participant_fields(self):
        return [self[f"p_{c['code']}"] for c in self.categories]

    def publicity_rows(self):
        return [
            (c["label"], self[f"pub_{c['code']}_url"], self[f"pub_{c['code']}_date"], self[f"pub_{c['code']}_file"])
            for c in self.channels
        ]

    def fact_fields(self):
        return [self[f"fact_{f['code']}"] for f in self.facts]

    def _filled_channels(self) -> list[str]:
        data = self.cleaned_data
        return [c["code"] for c in self.channels if data.get(f"pub_{c['code']}_url") or data.get(f"pub_{c['code']}_date")]

    def evidence(self) -> dict:
        data = self.cleaned_data
        publicity = [
            {
                "channel": code, "url": data.get(f"pub_{code}_url") or "",
                "date": data[f"pub_{code}_date"].isoformat() if data.get(f"pub_{code}_date") else "",
            }
            for code in self._filled_channels()
        ]
        return {
            "held_on": data["held_on"], "place": data.get("place", ""), "banner_used": data.get("banner_used", ""),
            "logo_shown": bool(data.get("logo_shown")), "publicity": publicity,
            "participants": {c["code"]: data.get(f"p_{c['code']}") or 0 for c in self.categories},
            "form_facts": {
                f["code"]: data.get(f"fact_{f['code']}")
                for f in self.facts if data.get(f"fact_{f['code']}") not in (None, "")
            },
        }

    def uploads(self) -> list[Upload]:
        data = self.cleaned_data
        files = [
            ("logo_photo", EvidenceKind.LOGO_PHOTO, ""), ("holding_photo", EvidenceKind.HOLDING_PHOTO, ""),
            *((f"pub_{c['code']}_file", EvidenceKind.PUBLICITY, c["code"]) for c in self.channels),
        ]
        return [Upload(file=data[name], kind=kind, channel=channel, field=name) for name, kind, channel in files if data.get(name)]

    # service field → form field, for problems such as "publicity.2.url" or "form_facts.attendance"
    def aliases(self) -> dict[str, str]:
        first = self.channels[0]["code"] if self.channels else None
        names = {
            "publicity": f"pub_{first}_url" if first else "place",
            "participants": "p_" + self.categories[0]["code"] if self.categories else "place",
        }
        for index, code in enumerate(self._filled_channels(), start=1):
            names.update({f"publicity.{index}.url": f"pub_{code}_url", f"publicity.{index}.date": f"pub_{code}_date"})
        names.update({f"form_facts.{f['code']}": f"fact_{f['code']}" for f in self.facts})
        return names


class EvidenceForm(forms.Form):
    """Add one evidence file to an activity (declaration detail page)."""

    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    channel = forms.ChoiceField(label=_("Publicity channel"), required=False)
    file = forms.FileField(label=_("File (image or PDF)"), widget=forms.FileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = _choices(programme.publicity_channels)

    def upload(self) -> Upload:
        data = self.cleaned_data
        return Upload(file=data["file"], kind=data["kind"], channel=data.get("channel") or "")


class SummaryForm(forms.Form):
    summary_practice = forms.CharField(label=_("What we did"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    summary_effect = forms.CharField(label=_("Results"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    summary_experience = forms.CharField(label=_("Replicable experience"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    nominate = forms.BooleanField(label=_("Nominate as typical experience"), required=False)


class ExemplaryForm(forms.Form):
    exemplary = forms.TypedChoiceField(choices=[("1", _("Mark as exemplary")), ("0", _("Withdraw the mark"))], coerce=lambda v: v == "1")


class EvaluateForm(forms.Form):
    comment = forms.CharField(label=_("Evaluation comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = programme.manual_indicators()
        for indicator in self.indicators:
            top = indicator.get("max", 10)  # the indicator's full marks as the assessor scores it
            self.fields[f"score_{indicator['code']}"] = forms.DecimalField(
                label=f"{indicator['label']}（0–{top}分）", min_value=0, max_value=top, required=False,
                help_text=f"本项打分满分{top}分，按所得比例折合为{indicator.get('weight', top)}分计入总分。",
            )
        self.order_fields([f"score_{i['code']}" for i in self.indicators] + ["comment"])

    def scores(self) -> dict:
        return {
            i["code"]: float(self.cleaned_data[f"score_{i['code']}"])
            for i in self.indicators if self.cleaned_data.get(f"score_{i['code']}") is not None
        }

    def aliases(self) -> dict[str, str]:
        first = f"score_{self.indicators[0]['code']}" if self.indicators else "comment"
        return {"scores": first, **{i["code"]: f"score_{i['code']}" for i in self.indicators}}



class AuditSearchForm(forms.Form):
    """The assessor's audit search (GET): every field optional; `ids` comes from a score's link."""

    unit = forms.ChoiceField(label=_("Unit"), required=False)
    declaration = forms.IntegerField(label=_("Declaration no."), required=False, min_value=1, max_value=2**53)
    actor = forms.CharField(label=_("Person (login name)"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ids = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    def __init__(self, *args, units: list[tuple[str, str]], actions: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All units"))] + units
        self.fields["action"].choices = [("", _("All actions"))] + sorted(actions.items())

    def clean_ids(self) -> list[int] | None:
        text = self.cleaned_data["ids"].strip()
        if not text:
            return None
        parts = [part.strip() for part in text.split(",")]
        if not all(part.isdigit() and len(part) <= 15 for part in parts):
            raise forms.ValidationError(_("Event numbers must be digits separated by commas."))
        return sorted({int(part) for part in parts})

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data

    def filters(self) -> dict:
        """The valid, non-empty filters as keyword arguments of `selectors.audit_search`."""
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        if "ids" in data:
            data["event_ids"] = data.pop("ids")
        return data
