"""The programme's rules as plain functions over plain values.

Every check returns a list of `Problem`s (empty when the value passes). Each message is
Chinese, names the clause of the programme it comes from (e.g. 《实施方案》五(二)) and
says what would pass. No database, no workflow: testable on plain values.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
NON_FIELD = "__all__"


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    code: str

    def __str__(self) -> str:
        return self.message


def cite(rule: str) -> str:
    return f"《实施方案》{rule}" if rule else "《实施方案》"


# ---------------------------------------------------------------- banner (会标)

# Quote styles people type for “政务公开主题日”: ASCII, curly, corner brackets, full width.
_QUOTES = "\"'“”‘’「」『』＂＇〝〞"
# One pass drops both (\s includes the ideographic space U+3000).
_IGNORED = re.compile("[\\s" + re.escape(_QUOTES) + "]+")


def normalize_banner(text: str) -> str:
    """Drop every quote style and all white space, so only the words are compared."""
    return _IGNORED.sub("", text or "")


@functools.lru_cache(maxsize=256)  # the same few forbidden names for every banner of a programme
def _normalized(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, normalize_banner(name)) for name in names)


@dataclass(frozen=True)
class BannerRule:
    templates: Sequence[str]  # e.g. "{unit}{year}年“政务公开主题日”活动", "…活动暨{other}"
    forbidden: Sequence[str]  # e.g. "校园开放日"
    clause: str = "五(二)"

    def canonical(self, *, unit_name: str, year: int) -> str:
        return self.templates[0].format(unit=unit_name, year=year, other="××××")


_PLACEHOLDERS = {"{unit}": "(?P<unit>.+?)", "{year}": "(?P<year>\\d{4})", "{other}": "(?P<other>.*)"}


@functools.lru_cache(maxsize=256)  # a handful of templates; the assessment checks 1,000 banners per scoreboard
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{unit\}|\{year\}|\{other\})", normalize_banner(template))
    return re.compile("^" + "".join(_PLACEHOLDERS.get(p, re.escape(p)) for p in parts) + "$")


def check_banner(
    text: str,
    *,
    unit_name: str,
    year: int,
    rule: BannerRule,
    field: str = "banner",
    unit_aliases: Iterable[str] = (),
) -> list[Problem]:
    """The banner rule of section 五(二).

    Allowed: `{unit}{year}年“政务公开主题日”活动`, or that followed by `暨{other}`.
    Refused: any forbidden name anywhere, another unit's name, another year, any other
    wording. Quotes and spaces are normalised first. Every message shows the canonical
    banner for this unit.
    """
    where = cite(rule.clause)
    canonical = rule.canonical(unit_name=unit_name, year=year)
    suggestion = f"本单位的规范会标为：{canonical}（或其后加“暨××××”）。"
    normalized = normalize_banner(text)
    if not normalized:
        return [Problem(field, f"请填写会标。{suggestion}", "banner_required")]

    problems: list[Problem] = []
    for name, words in _normalized(tuple(rule.forbidden)):
        if words in normalized:
            problems.append(Problem(
                field,
                f"会标不得冠以“{name}”等名称（{where}）。{suggestion}",
                "banner_forbidden_name",
            ))
    if problems:
        return problems

    names = {normalize_banner(unit_name), *(normalize_banner(a) for a in unit_aliases if a)}
    for template in rule.templates:
        match = _template_regex(template).match(normalized)
        if not match:
            continue
        groups = match.groupdict()
        if "other" in groups and not groups["other"]:
            problems.append(Problem(field, f"会标中“暨”之后须写明活动名称（{where}）。{suggestion}", "banner_other_missing"))
        if groups.get("unit") is not None and groups["unit"] not in names:
            problems.append(Problem(
                field,
                f"会标中的单位名称“{groups['unit']}”与填报单位“{unit_name}”不一致（{where}）。{suggestion}",
                "banner_wrong_unit",
            ))
        if groups.get("year") is not None and int(groups["year"]) != year:
            problems.append(Problem(
                field,
                f"会标中的年份“{groups['year']}年”应为“{year}年”（{where}）。{suggestion}",
                "banner_wrong_year",
            ))
        return problems
    return [Problem(
        field,
        f"会标格式不符合规定（{where}）：应为“{canonical}”，或“{canonical}暨××××”。",
        "banner_wrong_form",
    )]


# ---------------------------------------------------------------- month window (四)

def check_month(
    month: int | None, *, year: int, first: int, last: int, clause: str = "四", field: str = "month"
) -> list[Problem]:
    if month in (None, ""):
        return [Problem(field, "请选择活动时间（月份）。", "month_required")]
    try:
        value = int(month)
    except (TypeError, ValueError):
        return [Problem(field, "活动时间（月份）须为1至12之间的整数。", "month_invalid")]
    if not first <= value <= last:
        return [Problem(
            field,
            f"活动须安排在{year}年{first}-{last}月开展（{cite(clause)}），{value}月不在此范围内。",
            "month_out_of_window",
        )]
    return []


# ---------------------------------------------------------------- deadline (四)

def deadline_end(due_date: dt.date) -> dt.datetime:
    """The first instant after the due date, Asia/Shanghai (the due date itself counts)."""
    return dt.datetime.combine(due_date + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)


def check_deadline(
    now: dt.datetime,
    *,
    due_date: dt.date,
    extended_until: dt.date | None = None,
    clause: str = "四",
    field: str = NON_FIELD,
) -> list[Problem]:
    last_day = max(due_date, extended_until) if extended_until else due_date
    if now < deadline_end(last_day):
        return []
    if extended_until and extended_until >= due_date:
        message = f"申报截止时间已过：延期至{extended_until:%Y年%m月%d日}的期限也已届满（{cite(clause)}）。请联系区政务公开办。"
    else:
        message = (
            f"申报截止时间{due_date.year}年{due_date.month}月{due_date.day}日已过（{cite(clause)}），"
            "未获延期的不能报送。请联系区政务公开办申请延期。"
        )
    return [Problem(field, message, "deadline_passed")]


# ---------------------------------------------------------------- memberships (三, 一)

def check_choice(
    value: str | None,
    *,
    choices: Sequence[dict],
    field: str,
    label: str,
    clause: str,
    required: bool = True,
) -> list[Problem]:
    if not value:
        return [Problem(field, f"请选择{label}。", f"{field}_required")] if required else []
    codes = [c["code"] for c in choices]
    if value not in codes:
        allowed = "、".join(c["label"] for c in choices)
        return [Problem(
            field,
            f"“{value}”不是本方案规定的{label}（{cite(clause)}），可选：{allowed}。",
            f"{field}_not_allowed",
        )]
    return []


def check_required(values: dict[str, object], labels: dict[str, str]) -> list[Problem]:
    return [
        Problem(name, f"请填写{labels[name]}。", f"{name}_required")
        for name in labels
        if values.get(name) in (None, "") or (isinstance(values.get(name), str) and not str(values.get(name)).strip())
    ]


# Characters nobody types on purpose into a form: controls (C0, DEL, C1), lone surrogates,
# private-use and unassigned code points. Line breaks and tabs are allowed in multi-line text.
_REFUSED_CATEGORIES = {"Cc", "Cs", "Co", "Cn"}
_MULTILINE_ALLOWED = {"\n", "\r", "\t"}
# What shows nothing on the page: spaces of every width, zero-width and format characters
# (U+200B…, U+FEFF), combining marks without a letter, and the controls above.
_INVISIBLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cf", "Mn", "Me", *_REFUSED_CATEGORIES}


def check_text(value: str, *, field: str, label: str, multiline: bool = False) -> list[Problem]:
    """Text typed into the 申报表: no control or other unprintable characters, and not only
    characters that show nothing (a theme of three zero-width spaces is not a theme)."""
    if not value:
        return []
    allowed = _MULTILINE_ALLOWED if multiline else set()
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES and ch not in allowed for ch in value):
        return [Problem(field, f"{label}含有无法显示的控制字符，请删除后重新填写。", f"{field}_control_characters")]
    if all(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value):
        return [Problem(field, f"{label}只有空白或不可见字符，请填写实际内容。", f"{field}_invisible")]
    return []


_PHONE = re.compile(r"^(\d{3,4}-?\d{7,8}(-\d{1,6})?|1\d{10})$")


def check_phone(value: str, *, field: str = "contact_phone") -> list[Problem]:
    if value and not _PHONE.match(value.replace(" ", "")):
        return [Problem(field, "联系电话格式不正确：请填写手机号（11位）或座机号（如0731-84390197）。", "phone_invalid")]
    return []


# ---------------------------------------------------------------- scores (绩效考核)

def check_scores(scores: dict[str, object], *, indicators: Sequence[dict], field: str = "scores") -> list[Problem]:
    """Manual indicator scores: each present, numeric, within 0..max."""
    problems: list[Problem] = []
    manual = [i for i in indicators if i.get("kind") == "manual"]
    known = {i["code"] for i in manual}
    for code in scores:
        if code not in known:
            problems.append(Problem(field, f"“{code}”不是本方案的评估指标。", "score_unknown"))
    for indicator in manual:
        raw = scores.get(indicator["code"])
        label, top = indicator["label"], indicator["max"]
        if raw in (None, ""):
            problems.append(Problem(field, f"请为“{label}”打分（0-{top}分）。", "score_required"))
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            problems.append(Problem(field, f"“{label}”的分数须为数字。", "score_invalid"))
            continue
        if value != value or not 0 <= value <= top:  # NaN or out of range
            problems.append(Problem(field, f"“{label}”的分数须在0至{top}分之间，{raw}超出范围。", "score_out_of_range"))
    return problems
