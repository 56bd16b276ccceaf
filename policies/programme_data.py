"""A programme's rules as one plain dict ("values"): what the editor, the API and the
services read and write, and what `programme_rules.check_programme` checks.

The keys are the `Programme` fields, except `indicators` (stored in
`assessment_scheme["indicators"]`) and `parent` (the parent programme's code). Opening,
closing, marking current and releasing results are actions, not values.

Also here: the rule groups that freeze once a unit has submitted (`LOCKED_RULES`), the
copy for the next year, and the Chinese wording of a value (`describe`) for amendments,
audit views and the programme page. No database, no workflow.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass

from policies.indicators import AUTO, AUTOMATIC_INDICATORS, KIND_LABELS

# Every key of the values dict, in the editor's order, with its Chinese label.
FIELD_LABELS: dict[str, str] = {
    "code": "方案代码",
    "name": "方案名称",
    "year": "年度",
    "issuer": "印发机关",
    "document_number": "文号",
    "issued_on": "印发日期",
    "parent": "上级方案",
    "accepts_declarations": "本级单位申报",
    "declaration_due_date": "申报截止日期",
    "window_first_month": "活动起始月份",
    "window_last_month": "活动结束月份",
    "themes_per_unit": "每单位活动主题数",
    "forms": "活动形式",
    "focus_topics": "重点主题",
    "banner_templates": "会标模板",
    "forbidden_banner_names": "会标禁用名称",
    "participant_categories": "参与人员类别",
    "publicity_channels": "宣传渠道",
    "summary_due_days": "活动后总结期限（天）",
    "indicators": "考核指标",
    "clauses": "条款出处",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "邮箱",
}
VALUE_FIELDS = tuple(FIELD_LABELS)
DATE_FIELDS = ("issued_on", "declaration_due_date")
LIST_FIELDS = ("forms", "focus_topics", "banner_templates", "forbidden_banner_names", "participant_categories",
               "publicity_channels", "indicators")

# The clauses a rule message cites (条款出处), with what each one covers.
CLAUSE_LABELS: dict[str, str] = {
    "topics": "重点主题",
    "forms": "活动形式",
    "deadline": "申报截止",
    "window": "活动时间",
    "banner": "会标",
    "logo": "LOGO标识",
    "publicity": "宣传报道",
    "summary": "活动总结",
}

# The code lists whose items are {"code", "label"} (activity forms carry more, see check_forms).
CHOICE_LISTS: dict[str, str] = {
    "focus_topics": "topic",
    "participant_categories": "category",
    "publicity_channels": "channel",
    "forms": "form",
}
FACT_TYPES = {"text": "文字", "count": "人数/数量"}


@dataclass(frozen=True)
class RuleGroup:
    key: str
    label: str
    fields: tuple[str, ...]


# The rules that decided a submitted declaration: once one unit has submitted, they change
# only by a dated, audited amendment (ProgrammeAmendment), never in place.
LOCKED_RULES: dict[str, RuleGroup] = {
    group.key: group for group in (
        RuleGroup("window", "年度、申报截止日期与活动时间", ("year", "declaration_due_date", "window_first_month", "window_last_month")),
        RuleGroup("forms", "活动形式及举办时须登记的事项", ("forms",)),
        RuleGroup("banner", "会标规则", ("banner_templates", "forbidden_banner_names")),
        RuleGroup("indicators", "考核指标及权重", ("indicators",)),
    )
}
LOCKED_FIELDS = {field: group for group in LOCKED_RULES.values() for field in group.fields}


def values_of(programme) -> dict:
    """The programme's values (deep copies: changing them never changes the row)."""
    values = {name: copy.deepcopy(getattr(programme, name)) for name in VALUE_FIELDS if name not in ("indicators", "parent")}
    scheme = programme.assessment_scheme if isinstance(programme.assessment_scheme, dict) else {}
    values["indicators"] = copy.deepcopy(scheme.get("indicators", []))
    values["parent"] = programme.parent.code if programme.parent_id else None
    values["clauses"] = dict(values["clauses"] or {})
    return values


def apply_values(programme, values: dict) -> None:
    """Set the row's fields from `values` (`parent` is resolved and set by the caller)."""
    for name, value in values.items():
        if name == "indicators":
            scheme = dict(programme.assessment_scheme) if isinstance(programme.assessment_scheme, dict) else {}
            scheme["indicators"] = value
            programme.assessment_scheme = scheme
        elif name != "parent":
            setattr(programme, name, value)


def normalized(value):
    """A value as JSON would carry it: dates as ISO text, numbers as numbers (for comparing)."""
    return json.loads(json.dumps(value, default=_json_default, sort_keys=True))


def _json_default(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def changed_fields(old: dict, new: dict) -> dict[str, list]:
    """{field: [old, new]} for every key of `new` whose value differs from `old`'s."""
    return {
        name: [old.get(name), value]
        for name, value in new.items()
        if normalized(old.get(name)) != normalized(value)
    }


# ---------------------------------------------------------------- codes left blank

def fill_codes(values: dict) -> dict:
    """Whole-number weights as integers, and a code for every list item that has none (the editor lets people leave it blank):
    `<prefix>_<n>`, the smallest n not used in that list (a fact within a form: `fact_<n>`).
    An automatic indicator's code names its rule, so it is never left blank by the editor."""
    values = copy.deepcopy(values)
    for name, prefix in CHOICE_LISTS.items():
        if isinstance(values.get(name), list):
            _fill(values[name], prefix)
    for form in values.get("forms") or []:
        if isinstance(form, dict) and isinstance(form.get("facts"), list):
            _fill(form["facts"], "fact")
    if isinstance(values.get("indicators"), list):
        _fill(values["indicators"], "manual")
        for item in values["indicators"]:  # 10.0 from a JSON client is kept as 10
            for key in ("weight", "max"):
                if isinstance(item, dict) and isinstance(item.get(key), float) and item[key].is_integer():
                    item[key] = int(item[key])
    return values


def _fill(items: list, prefix: str) -> None:
    used = {item.get("code") for item in items if isinstance(item, dict)}
    number = 1
    for item in items:
        if isinstance(item, dict) and not item.get("code"):
            while f"{prefix}_{number}" in used:
                number += 1
            item["code"] = f"{prefix}_{number}"
            used.add(item["code"])


# ---------------------------------------------------------------- banner templates for people

# What people type in the editor → the placeholders the banner rule formats.
PLACEHOLDERS_FOR_PEOPLE = {"{unit}": "【单位名称】", "{year}": "【年度】", "{other}": "【其他活动名称】"}


def template_for_people(template: str) -> str:
    for placeholder, words in PLACEHOLDERS_FOR_PEOPLE.items():
        template = template.replace(placeholder, words)
    return template


def template_from_people(text: str) -> str:
    for placeholder, words in PLACEHOLDERS_FOR_PEOPLE.items():
        text = text.replace(words, placeholder)
    return text


# ---------------------------------------------------------------- next year

_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _other_year_text(text: str, old: int, new: int) -> str:
    return _YEAR.sub(lambda m: str(new) if m.group(1) == str(old) else m.group(1), text or "")


def shift_years(day: dt.date | None, years: int) -> dt.date | None:
    """The same day `years` later (29 February becomes 28 February)."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def next_year_values(values: dict, *, year: int | None = None) -> dict:
    """Last year's values as a later year's starting point (next year unless `year` says
    otherwise): every rule copied, the year in the code and the name moved on, every date
    moved by the same number of years, the parent kept; the document number is left blank
    (the new year's notice has its own)."""
    old_year = int(values["year"])
    year = year or old_year + 1
    new = copy.deepcopy(values)
    new["year"] = year
    code = _other_year_text(values["code"], old_year, year)
    new["code"] = code if code != values["code"] else f"{values['code']}-{year}"[:32]
    new["name"] = _other_year_text(values["name"], old_year, year)
    new["document_number"] = ""
    for name in DATE_FIELDS:
        new[name] = shift_years(values.get(name), year - old_year)
    return new


# ---------------------------------------------------------------- in Chinese

def _day(value) -> str:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.year}年{value.month}月{value.day}日" if isinstance(value, dt.date) else "（未设置）"


def _labels(items) -> str:
    labels = [str(item.get("label") or item.get("code")) for item in items or [] if isinstance(item, dict)]
    return "、".join(labels) or "（无）"


def _form_text(form: dict, categories: dict[str, str]) -> str:
    parts = []
    invited = [categories.get(code, code) for code in form.get("requires_any_participant") or []]
    if invited:
        parts.append(f"须邀请{'、'.join(invited)}中至少一类")
    facts = "、".join(str(f.get("label")) for f in form.get("facts") or [] if isinstance(f, dict))
    if facts:
        parts.append(f"举办时登记：{facts}")
    return f"{form.get('label')}" + (f"（{'；'.join(parts)}）" if parts else "")


def _indicator_text(item: dict) -> str:
    kind = item.get("kind", AUTO)
    how = f"评估打分，满分{item.get('max')}" if kind != AUTO else KIND_LABELS[AUTO]
    return f"{item.get('label')}{item.get('weight')}分（{how}）"


def describe(field: str, value, values: dict | None = None) -> str:
    """One value, as a person reads it (amendments, audit, the programme page). `values`:
    the rest of the programme, for the names behind codes (participant categories)."""
    if field in DATE_FIELDS:
        return _day(value)
    if field in ("window_first_month", "window_last_month"):
        return f"{value}月" if value not in (None, "") else "（未设置）"
    if field == "forms":
        categories = {c.get("code"): c.get("label") for c in (values or {}).get("participant_categories") or [] if isinstance(c, dict)}
        return "；".join(_form_text(f, categories) for f in value or [] if isinstance(f, dict)) or "（无）"
    if field in ("focus_topics", "participant_categories", "publicity_channels"):
        return _labels(value)
    if field == "banner_templates":
        return "；".join(template_for_people(str(t)) for t in value or []) or "（无）"
    if field == "forbidden_banner_names":
        return "、".join(str(v) for v in value or []) or "（无）"
    if field == "indicators":
        return "；".join(_indicator_text(i) for i in value or [] if isinstance(i, dict)) or "（无）"
    if field == "clauses":
        return "；".join(f"{CLAUSE_LABELS.get(k, k)}：{v}" for k, v in (value or {}).items() if v) or "（无）"
    if field == "accepts_declarations":
        return "是" if value else "否"
    if value in (None, ""):
        return "（空）"
    return str(value)


def automatic_label(code: str) -> str:
    return AUTOMATIC_INDICATORS.get(code, code)
