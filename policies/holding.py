"""Rules for recording that an activity was held, and for its summary (三, 五).

Plain values in, problems out. What each activity form requires is programme data
(`Programme.forms[*]`), so a later year can change it without code.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlparse

from policies.rules import BannerRule, Problem, check_banner, cite


def as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def as_count(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def is_web_url(value: str) -> bool:
    parsed = urlparse(value or "")
    return parsed.scheme in {"http", "https"} and bool(parsed.netloc)


def check_holding(
    evidence: dict,
    *,
    year: int,
    today: dt.date,
    form: dict | None,
    categories: Sequence[dict],
    channels: Sequence[dict],
    banner_rule: BannerRule,
    unit_name: str,
    unit_aliases: Sequence[str] = (),
    clauses: dict | None = None,
) -> list[Problem]:
    clauses = clauses or {}
    problems: list[Problem] = []

    held_on = as_date(evidence.get("held_on"))
    if held_on is None:
        problems.append(Problem("held_on", "请填写实际举办日期（格式：2023-05-20）。", "held_on_required"))
    elif held_on.year != year:
        problems.append(Problem("held_on", f"举办日期须在{year}年内。", "held_on_wrong_year"))
    elif held_on > today:
        problems.append(Problem("held_on", "举办日期不能晚于今天：请在活动举办后登记。", "held_on_future"))

    place = str(evidence.get("place") or "").strip()
    if not place:
        problems.append(Problem("place", "请填写举办地点。", "place_required"))
    elif len(place) > 200:
        problems.append(Problem("place", "举办地点不能超过200个字。", "place_too_long"))
    if len(str(evidence.get("banner_used") or "")) > 200:
        problems.append(Problem("banner_used", "会标不能超过200个字。", "banner_used_too_long"))

    participants = evidence.get("participants") or {}
    known = {c["code"]: c["label"] for c in categories}
    counts: dict[str, int] = {}
    if not isinstance(participants, dict):
        problems.append(Problem("participants", "参与人员须按类别填写人数。", "participants_invalid"))
        participants = {}
    for code, raw in participants.items():
        if code not in known:
            problems.append(Problem("participants", f"“{code}”不是规定的参与人员类别，可选：{'、'.join(known.values())}。", "participant_unknown"))
            continue
        count = as_count(raw)
        if count is None:
            problems.append(Problem("participants", f"“{known[code]}”的人数须为不小于0的整数。", "participant_count_invalid"))
        else:
            counts[code] = count
    if not any(counts.values()) and not any(p.field == "participants" for p in problems):
        problems.append(Problem("participants", "请按类别填写参与人数，至少一类人数大于0。", "participants_required"))

    problems += check_banner(
        str(evidence.get("banner_used") or ""), unit_name=unit_name, year=year, rule=banner_rule,
        field="banner_used", unit_aliases=unit_aliases,
    )

    if evidence.get("logo_shown") is not True:
        problems.append(Problem(
            "logo_shown",
            f"活动现场须设置、显示“政务公开主题日”LOGO醒目标识（{cite(clauses.get('logo', '五(二)'))}），请确认并上传现场照片。",
            "logo_required",
        ))

    publicity = evidence.get("publicity") or []
    channel_labels = {c["code"]: c["label"] for c in channels}
    if not isinstance(publicity, list) or not publicity:
        problems.append(Problem(
            "publicity",
            f"请至少登记一条宣传报道（新闻媒体、政府网站专栏或政务新媒体，{cite(clauses.get('publicity', '五(三)'))}）。",
            "publicity_required",
        ))
    else:
        # Fields `publicity.<n>.<part>` (n from 1, as in the message), so a page can show each
        # problem next to the row it belongs to.
        for index, item in enumerate(publicity, start=1):
            item = item if isinstance(item, dict) else {}
            label = channel_labels.get(item.get("channel"))
            which = f"第{index}条宣传报道（{label}）" if label else f"第{index}条宣传报道"
            if label is None:
                problems.append(Problem(f"publicity.{index}.channel", f"{which}的渠道须为：{'、'.join(channel_labels.values())}。", "publicity_channel"))
            if not is_web_url(str(item.get("url") or "")):
                problems.append(Problem(f"publicity.{index}.url", f"{which}的链接须以 http:// 或 https:// 开头。", "publicity_url"))
            if as_date(item.get("date")) is None:
                problems.append(Problem(f"publicity.{index}.date", f"{which}请填写发布日期（格式：2023-05-20）。", "publicity_date"))

    if form:
        facts = evidence.get("form_facts") or {}
        facts = facts if isinstance(facts, dict) else {}
        needed_any = form.get("requires_any_participant") or []
        if needed_any and not any(counts.get(code) for code in needed_any):
            names = "、".join(known.get(c, c) for c in needed_any)
            problems.append(Problem(
                "participants",
                f"“{form['label']}”须邀请{names}中至少一类人员参加（{cite(clauses.get('forms', '三'))}）。",
                "participants_form_required",
            ))
        for fact in form.get("facts") or []:
            value = facts.get(fact["code"])
            if fact.get("type") == "count":
                if as_count(value) is None:
                    problems.append(Problem(f"form_facts.{fact['code']}", f"“{form['label']}”须填写{fact['label']}（不小于0的整数）。", "form_fact_required"))
            elif not str(value or "").strip():
                problems.append(Problem(f"form_facts.{fact['code']}", f"“{form['label']}”须填写{fact['label']}。", "form_fact_required"))
    return problems


def held_in_month(held_on: dt.date, *, month: int | None, year: int) -> bool:
    """Held in the month the published schedule gave it (a holding outside is accepted but flagged)."""
    return month is not None and held_on.year == year and held_on.month == month


def summary_due(held_on: dt.date, due_days: int) -> dt.date:
    return held_on + dt.timedelta(days=due_days)


def summary_late(held_on: dt.date, done_on: dt.date, due_days: int) -> bool:
    """Summarized (or still not summarized on `done_on`) after the programme's summary days."""
    return done_on > summary_due(held_on, due_days)


def check_summary(summary: dict) -> list[Problem]:
    labels = {"summary_practice": "做法", "summary_effect": "成效", "summary_experience": "经验"}
    return [
        Problem(name, f"请填写活动总结的“{label}”。", f"{name}_required")
        for name, label in labels.items()
        if not str(summary.get(name) or "").strip()
    ]
