"""Is a programme's set of rules well formed? Plain functions over the values dict
(`policies.programme_data`), one per section of the editor.

Each returns `Problem`s whose field is the place in the values: a key (`window_first_month`),
a list item and its key, counted from 1 as people count (`indicators.3.weight`), a fact of
an activity form (`forms.2.facts.1.label`), or a whole list (`indicators` for the weights'
sum). The editor shows each next to its field, the API returns them per field, and
nothing is saved while there is one.
"""
from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from policies.indicators import AUTO, AUTOMATIC_INDICATORS, KIND_LABELS, MANUAL
from policies.programme_data import CHOICE_LISTS, CLAUSE_LABELS, FACT_TYPES, PLACEHOLDERS_FOR_PEOPLE
from policies.rules import BannerRule, Problem, check_banner, check_phone, normalize_banner

PROGRAMME_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
RESERVED_CODES = {"new", "banner-preview"}  # page addresses under /programmes/
ITEM_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ITEM_CODE_RULE = "须以小写英文字母开头，只含小写英文字母、数字和下划线，不超过32个字符（可留空，自动生成）"
LIST_NOUNS = {"forms": "活动形式", "focus_topics": "重点主题", "participant_categories": "参与人员类别", "publicity_channels": "宣传渠道"}
LABEL_MAX = 50
SAMPLE_UNIT = "开福区某某局"  # a unit name for checking a template on its own


def check_programme(values: dict) -> list[Problem]:
    """Every rule of the editor, over the whole values dict."""
    accepts = bool(values.get("accepts_declarations"))
    categories = [c.get("code") for c in _dicts(values.get("participant_categories"))]
    return [
        *check_basics(values),
        *check_window(values),
        *(p for name in CHOICE_LISTS for p in check_choice_list(name, values.get(name), required=accepts)),
        *check_forms(values.get("forms"), categories=categories),
        *check_banner_rule(values.get("banner_templates"), values.get("forbidden_banner_names"), year=values.get("year")),
        *check_indicators(values.get("indicators"), required=accepts),
        *check_clauses(values.get("clauses")),
        *check_contact(values),
    ]


def check_ready_to_open(values: dict) -> list[Problem]:
    """What opening the year for declarations needs beyond well-formed rules."""
    problems = check_programme(values)
    if not values.get("accepts_declarations"):
        problems.append(Problem("accepts_declarations", "本方案不受理本级单位申报（省、市方案仅作为依据），不能开放申报。", "not_accepting"))
    if not values.get("declaration_due_date"):
        problems.append(Problem("declaration_due_date", "开放申报前请先设置申报截止日期。", "due_date_required"))
    return problems


# ---------------------------------------------------------------- helpers

def _dicts(items) -> list[dict]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _shown(number: Decimal) -> str:
    return f"{number.normalize():f}"


def _required_text(values: dict, name: str, label: str, limit: int) -> list[Problem]:
    text = _text(values.get(name))
    if not text:
        return [Problem(name, f"请填写{label}。", f"{name}_required")]
    if len(text) > limit:
        return [Problem(name, f"{label}不能超过{limit}个字。", f"{name}_too_long")]
    return []


# ---------------------------------------------------------------- basic facts

def check_basics(values: dict) -> list[Problem]:
    problems = []
    code = _text(values.get("code"))
    if not code:
        problems.append(Problem("code", "请填写方案代码（如 kaifu-2024）。", "code_required"))
    elif not PROGRAMME_CODE.match(code):
        problems.append(Problem("code", "方案代码只能含小写英文字母、数字和连字符，2至32个字符（如 kaifu-2024）。", "code_invalid"))
    elif code in RESERVED_CODES:
        problems.append(Problem("code", f"“{code}”是系统保留的代码，请换一个（如 kaifu-2024）。", "code_reserved"))
    problems += _required_text(values, "name", "方案名称", 200)
    problems += _required_text(values, "issuer", "印发机关", 200)
    if len(_text(values.get("document_number"))) > 100:
        problems.append(Problem("document_number", "文号不能超过100个字。", "document_number_too_long"))
    year = _int(values.get("year"))
    if year is None or not 2000 <= year <= 2100:
        problems.append(Problem("year", "年度须为2000至2100之间的四位年份。", "year_invalid"))
    issued_on = values.get("issued_on")
    if isinstance(issued_on, dt.date) and year and not year - 1 <= issued_on.year <= year:
        problems.append(Problem("issued_on", f"印发日期应在{year - 1}年或{year}年内。", "issued_on_wrong_year"))
    return problems


# ---------------------------------------------------------------- deadline and window (四)

def check_window(values: dict) -> list[Problem]:
    problems = []
    months = {}
    for name, label in (("window_first_month", "活动起始月份"), ("window_last_month", "活动结束月份")):
        month = _int(values.get(name))
        if month is None:
            problems.append(Problem(name, f"请填写{label}（1至12）。", f"{name}_required"))
        elif not 1 <= month <= 12:
            problems.append(Problem(name, f"{label}须在1至12月之间，{month}不是月份。", "month_out_of_range"))
        else:
            months[name] = month
    first, last = months.get("window_first_month"), months.get("window_last_month")
    if first and last and first > last:
        problems.append(Problem("window_last_month", f"活动结束月份（{last}月）不能早于起始月份（{first}月）。", "window_reversed"))
    for name, label, low, high in (("themes_per_unit", "每单位活动主题数", 1, 10), ("summary_due_days", "活动后总结期限", 1, 365)):
        number = _int(values.get(name))
        if number is None or not low <= number <= high:
            problems.append(Problem(name, f"{label}须为{low}至{high}之间的整数。", f"{name}_invalid"))
    problems += check_deadline_date(values.get("declaration_due_date"), year=_int(values.get("year")), first_month=first)
    return problems


def check_deadline_date(due: dt.date | None, *, year: int | None, first_month: int | None) -> list[Problem]:
    """Units declare before the activities start: the deadline lies in the programme's year
    (or the year before) and no later than the end of the window's first month."""
    if not isinstance(due, dt.date) or not year or not 2000 <= year <= 2100:
        return []
    if not year - 1 <= due.year <= year:
        return [Problem("declaration_due_date", f"申报截止日期应在{year - 1}年或{year}年内。", "due_date_wrong_year")]
    if first_month and 1 <= first_month <= 12:
        latest = dt.date(year, first_month, monthrange(year, first_month)[1])
        if due > latest:
            return [Problem(
                "declaration_due_date",
                f"申报截止日期（{_day(due)}）晚于活动开始的{year}年{first_month}月：各单位须在活动开展前申报，"
                f"截止日期最迟为{_day(latest)}。",
                "due_date_after_window",
            )]
    return []


# ---------------------------------------------------------------- code lists (一, 三)

def check_choice_list(name: str, items, *, required: bool) -> list[Problem]:
    """A list of {code, label}: each labelled, codes well formed, nothing twice."""
    noun = LIST_NOUNS[name]
    if items is None:
        items = []
    if not isinstance(items, list):
        return [Problem(name, f"{noun}须为列表。", f"{name}_invalid")]
    if required and not items:
        return [Problem(name, f"请至少设置一项{noun}。", f"{name}_required")]
    problems = []
    codes: dict[str, int] = {}
    labels: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        where = f"第{n}项{noun}"
        if not isinstance(item, dict):
            problems.append(Problem(f"{name}.{n}", f"{where}格式不正确。", "item_invalid"))
            continue
        label, code = _text(item.get("label")), _text(item.get("code"))
        if not label:
            problems.append(Problem(f"{name}.{n}.label", f"{where}：请填写名称。", "label_required"))
        elif len(label) > LABEL_MAX:
            problems.append(Problem(f"{name}.{n}.label", f"{where}：名称不能超过{LABEL_MAX}个字。", "label_too_long"))
        elif label in labels:
            problems.append(Problem(f"{name}.{n}.label", f"{where}：名称“{label}”与第{labels[label]}项重复。", "label_duplicate"))
        else:
            labels[label] = n
        problems += _code_problems(code, at=f"{name}.{n}", which=where, seen=codes, position=n)
    return problems


def _code_problems(code: str, *, at: str, which: str, seen: dict[str, int], position: int, counter: str = "项") -> list[Problem]:
    """A list item's code: well formed, and not used by an earlier item (`seen`: code → position)."""
    if not ITEM_CODE.match(code):
        return [Problem(f"{at}.code", f"{which}：代码“{code}”不符合要求，代码{ITEM_CODE_RULE}。", "code_invalid")]
    if code in seen:
        return [Problem(f"{at}.code", f"{which}：代码“{code}”与第{seen[code]}{counter}重复，每{counter}代码须唯一。", "code_duplicate")]
    seen[code] = position
    return []


def check_forms(forms, *, categories: Sequence[str]) -> list[Problem]:
    """What each activity form asks for beyond its name: the people it must invite, the
    facts recorded at holding (三)."""
    problems = []
    for n, form in enumerate(_dicts(forms), start=1):
        where = f"第{n}项活动形式（{_text(form.get('label')) or '未命名'}）"
        needed = form.get("requires_any_participant") or []
        if not isinstance(needed, list):
            problems.append(Problem(f"forms.{n}.requires_any_participant", f"{where}：须邀请的人员类别格式不正确。", "participants_invalid"))
            needed = []
        for code in needed:
            if code not in categories:
                problems.append(Problem(
                    f"forms.{n}.requires_any_participant",
                    f"{where}：须邀请的人员类别“{code}”不在本方案的参与人员类别中。", "participant_unknown",
                ))
        facts = form.get("facts") or []
        if not isinstance(facts, list):
            problems.append(Problem(f"forms.{n}.facts", f"{where}：登记事项格式不正确。", "facts_invalid"))
            continue
        codes: dict[str, int] = {}
        for m, fact in enumerate(facts, start=1):
            at = f"forms.{n}.facts.{m}"
            which = f"{where}的第{m}个登记事项"
            if not isinstance(fact, dict):
                problems.append(Problem(at, f"{which}格式不正确。", "fact_invalid"))
                continue
            label, code = _text(fact.get("label")), _text(fact.get("code"))
            if not label:
                problems.append(Problem(f"{at}.label", f"{which}：请填写名称。", "label_required"))
            elif len(label) > 100:
                problems.append(Problem(f"{at}.label", f"{which}：名称不能超过100个字。", "label_too_long"))
            if fact.get("type") not in FACT_TYPES:
                problems.append(Problem(f"{at}.type", f"{which}：类型须为{'或'.join(FACT_TYPES.values())}。", "fact_type_invalid"))
            problems += _code_problems(code, at=at, which=which, seen=codes, position=m, counter="个登记事项")
    return problems


# ---------------------------------------------------------------- banner rule (五(二))

_BRACES = re.compile(r"\{[^{}]*\}")
_KNOWN = ("{unit}", "{year}", "{other}")
_PEOPLE = "、".join(PLACEHOLDERS_FOR_PEOPLE.values())


def check_banner_rule(templates, forbidden, *, year=None) -> list[Problem]:
    problems = []
    if not isinstance(templates, list) or not templates:
        return [Problem("banner_templates", "请至少设置一个会标模板，如“【单位名称】【年度】年“政务公开主题日”活动”。", "templates_required")]
    seen: dict[str, int] = {}
    for n, template in enumerate(templates, start=1):
        at, which = f"banner_templates.{n}", f"第{n}个会标模板"
        text = template.strip() if isinstance(template, str) else ""
        if not text:
            problems.append(Problem(at, f"{which}：请填写模板。", "template_required"))
            continue
        if len(text) > 200:
            problems.append(Problem(at, f"{which}不能超过200个字。", "template_too_long"))
        unknown = [p for p in _BRACES.findall(text) if p not in _KNOWN]
        if unknown or "{" in _BRACES.sub("", text) or "}" in _BRACES.sub("", text):
            problems.append(Problem(at, f"{which}含有无法识别的占位符{'、'.join(unknown)}：只能使用{_PEOPLE}。", "template_placeholder"))
            continue
        missing = [words for placeholder, words in list(PLACEHOLDERS_FOR_PEOPLE.items())[:2] if placeholder not in text]
        if missing:
            problems.append(Problem(at, f"{which}须包含{'和'.join(missing)}。", "template_incomplete"))
        if n == 1 and "{other}" in text:
            problems.append(Problem(at, f"第1个会标模板是各单位的规范会标，不能含{PLACEHOLDERS_FOR_PEOPLE['{other}']}；“暨××××”的写法请放在第2个模板。", "template_first_other"))
        if text in seen:
            problems.append(Problem(at, f"{which}与第{seen[text]}个重复。", "template_duplicate"))
        seen.setdefault(text, n)
    if not isinstance(forbidden, list):
        return [*problems, Problem("forbidden_banner_names", "会标禁用名称须为列表。", "forbidden_invalid")]
    names: dict[str, int] = {}
    for n, name in enumerate(forbidden, start=1):
        at, which = f"forbidden_banner_names.{n}", f"第{n}个禁用名称"
        text = name.strip() if isinstance(name, str) else ""
        if not normalize_banner(text):
            problems.append(Problem(at, f"{which}：请填写名称（不能只有引号或空格）。", "forbidden_required"))
        elif len(text) > LABEL_MAX:
            problems.append(Problem(at, f"{which}不能超过{LABEL_MAX}个字。", "forbidden_too_long"))
        elif normalize_banner(text) in names:
            problems.append(Problem(at, f"{which}“{text}”与第{names[normalize_banner(text)]}个重复。", "forbidden_duplicate"))
        else:
            names[normalize_banner(text)] = n
    if not problems:
        canonical = templates[0].strip().format(unit=SAMPLE_UNIT, year=_int(year) or 2000)
        for name in forbidden:
            if normalize_banner(name) in normalize_banner(canonical):
                problems.append(Problem("banner_templates.1", f"第1个会标模板本身含有禁用名称“{name.strip()}”，任何单位都无法通过。", "template_forbidden"))
    return problems


@dataclass(frozen=True)
class BannerPreview:
    """The canonical banner a unit would be told to use, and what the rule says about a trial banner."""

    unit_name: str
    canonical: str = ""
    alternatives: tuple[str, ...] = ()
    rule_problems: tuple[Problem, ...] = ()
    trial: str = ""
    trial_problems: tuple[Problem, ...] = field(default=())

    @property
    def trial_passes(self) -> bool:
        return bool(self.trial) and not self.trial_problems


def banner_preview(templates, forbidden, *, year: int, unit_name: str, trial: str = "") -> BannerPreview:
    """The editor's live preview: the rule as typed, applied to one sample unit."""
    rule_problems = tuple(check_banner_rule(templates, forbidden, year=year))
    if rule_problems:
        return BannerPreview(unit_name=unit_name, rule_problems=rule_problems, trial=trial)
    templates = [t.strip() for t in templates]
    rule = BannerRule(templates=templates, forbidden=[f.strip() for f in forbidden])
    alternatives = tuple(t.format(unit=unit_name, year=year, other="××××") for t in templates[1:])
    trial_problems = tuple(check_banner(trial, unit_name=unit_name, year=year, rule=rule)) if trial.strip() else ()
    return BannerPreview(
        unit_name=unit_name, canonical=rule.canonical(unit_name=unit_name, year=year), alternatives=alternatives,
        trial=trial.strip(), trial_problems=trial_problems,
    )


# ---------------------------------------------------------------- assessment indicators

def check_indicators(indicators, *, required: bool) -> list[Problem]:
    """Each indicator labelled, weighted, computable; the weights add up to 100."""
    if indicators is None:
        indicators = []
    if not isinstance(indicators, list):
        return [Problem("indicators", "考核指标须为列表。", "indicators_invalid")]
    if not indicators:
        return [Problem("indicators", "请至少设置一项考核指标（权重合计100分）。", "indicators_required")] if required else []
    problems = []
    total, weights_ok = Decimal(0), True
    codes: dict[str, int] = {}
    for n, item in enumerate(indicators, start=1):
        at = f"indicators.{n}"
        if not isinstance(item, dict):
            problems.append(Problem(at, f"第{n}项考核指标格式不正确。", "indicator_invalid"))
            weights_ok = False
            continue
        label = _text(item.get("label"))
        which = f"第{n}项考核指标" + (f"（{label}）" if label else "")
        if not label:
            problems.append(Problem(f"{at}.label", f"{which}：请填写指标名称。", "label_required"))
        elif len(label) > LABEL_MAX:
            problems.append(Problem(f"{at}.label", f"{which}：名称不能超过{LABEL_MAX}个字。", "label_too_long"))
        weight = _number(item.get("weight"))
        if weight is None or not 0 <= weight <= 100 or weight != weight.quantize(Decimal("0.01")):
            problems.append(Problem(f"{at}.weight", f"{which}：权重须为0至100之间的数（最多两位小数）。", "weight_invalid"))
            weights_ok = False
        else:
            total += weight
        kind, code = item.get("kind", AUTO), _text(item.get("code"))
        if kind == AUTO:
            if not code:
                problems.append(Problem(f"{at}.code", f"{which}：请选择计分依据（一项自动计算规则，或{KIND_LABELS[MANUAL]}）。", "basis_required"))
            elif code not in AUTOMATIC_INDICATORS:
                problems.append(Problem(f"{at}.code", f"{which}：“{code}”没有对应的自动计算规则，请从列表中选择计算依据，或改为{KIND_LABELS[MANUAL]}。", "indicator_unknown"))
        elif kind == MANUAL:
            top = _number(item.get("max"))
            if top is None or not 0 < top <= 1000:
                problems.append(Problem(f"{at}.max", f"{which}：{KIND_LABELS[MANUAL]}须设置满分（大于0，不超过1000）。", "max_required"))
            if not ITEM_CODE.match(code):
                problems.append(Problem(f"{at}.code", f"{which}：代码“{code}”不符合要求，代码{ITEM_CODE_RULE}。", "code_invalid"))
        else:
            problems.append(Problem(f"{at}.kind", f"{which}：计分方式须为{KIND_LABELS[AUTO]}或{KIND_LABELS[MANUAL]}。", "kind_invalid"))
        if code and code in codes:
            problems.append(Problem(f"{at}.code", f"{which}：与第{codes[code]}项考核指标重复（代码“{code}”）。", "code_duplicate"))
        elif code:
            codes[code] = n
        if len(_text(item.get("clause"))) > 20:
            problems.append(Problem(f"{at}.clause", f"{which}：条款出处不能超过20个字。", "clause_too_long"))
    if weights_ok and total != 100:
        problems.append(Problem("indicators", f"各项考核指标的权重合计须为100分，目前合计{_shown(total)}分。", "weights_not_100"))
    return problems


# ---------------------------------------------------------------- clauses and contact

def check_clauses(clauses) -> list[Problem]:
    if clauses in (None, ""):
        return []
    if not isinstance(clauses, dict):
        return [Problem("clauses", "条款出处格式不正确。", "clauses_invalid")]
    problems = []
    for key, value in clauses.items():
        if key not in CLAUSE_LABELS:
            problems.append(Problem(f"clauses.{key}", f"“{key}”不是可设置条款出处的规则，可设置：{'、'.join(CLAUSE_LABELS.values())}。", "clause_unknown"))
        elif not isinstance(value, str) or len(value.strip()) > 20:
            problems.append(Problem(f"clauses.{key}", f"“{CLAUSE_LABELS[key]}”的条款出处须为不超过20个字的文字，如“五(二)”。", "clause_invalid"))
    return problems


def check_contact(values: dict) -> list[Problem]:
    problems = []
    if len(_text(values.get("contact_name"))) > 50:
        problems.append(Problem("contact_name", "联系人不能超过50个字。", "contact_name_too_long"))
    phone = _text(values.get("contact_phone"))
    problems += check_phone(phone) if len(phone) <= 50 else [Problem("contact_phone", "联系电话不能超过50个字。", "phone_too_long")]
    email = _text(values.get("contact_email"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(Problem("contact_email", "邮箱格式不正确（如 kfzwgk@163.com）。", "email_invalid"))
    return problems
