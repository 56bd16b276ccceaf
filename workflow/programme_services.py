"""Every change to a programme, one function each: create, copy to a new year, edit,
amend, open, close, mark current.

Each one runs in one transaction: it checks the permission (system administrators hold
`policies.change_programme` / `add_programme`), locks the programme row, validates the
whole set of rules with `policies.programme_rules` (the same functions for the editor and
the API, so the same Chinese messages), writes the change and one audit event on the
global chain. The editor pages, the API and the admin call these functions only.

Rules don't change under people's feet: once any unit has submitted a declaration in a
programme, the rules that decided it (`programme_data.LOCKED_RULES`: year, deadline and
window, activity forms, banner rule, indicators) are refused by `programme_update`; they
change only through `programme_amend`, which records a dated `ProgrammeAmendment` with
its reason, audited and shown on the programme page.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from policies import programme_data as data
from policies.models import Programme, ProgrammeAmendment
from policies.programme_rules import check_programme, check_ready_to_open
from policies.rules import NON_FIELD, SHANGHAI, Problem
from workflow import audit
from workflow.errors import PermissionRefused, RuleViolation, TransitionConflict
from workflow.models import Declaration, State

CHANGE = "policies.change_programme"
ADD = "policies.add_programme"


def may_edit_programmes(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(CHANGE))


def may_add_programmes(user) -> bool:
    return may_edit_programmes(user) and user.has_perm(ADD)


def _require(by, *, add: bool = False) -> None:
    if not (may_add_programmes(by) if add else may_edit_programmes(by)):
        raise PermissionRefused("只有系统管理员可以设置实施方案。")


def has_submissions(programme: Programme) -> bool:
    """Has any unit submitted a declaration in this programme (ever, even if withdrawn since)?"""
    return Declaration.objects.filter(programme=programme, first_submitted_at__isnull=False).exists()


def submitted_count(programme: Programme) -> int:
    return Declaration.objects.filter(programme=programme, first_submitted_at__isnull=False).count()


def _lock(programme: Programme) -> Programme:
    return Programme.objects.select_for_update(of=("self",)).select_related("parent").get(pk=programme.pk)


def _frozen(programme: Programme) -> bool:
    """Whether the programme's rules are frozen, read while no submit can run: the
    declarations' rows are locked (a submit locks its row first), so a unit cannot submit
    under the old rules while this transaction changes them."""
    firsts = Declaration.objects.filter(programme=programme).select_for_update().values_list("first_submitted_at", flat=True)
    return any(first is not None for first in firsts)


def _checked(values: dict, *, programme: Programme | None) -> tuple[dict, Programme | None]:
    """The values with blank codes filled, and the parent programme; RuleViolation if any rule refuses."""
    values = data.fill_codes(values)
    problems = check_programme(values)
    code = (values.get("code") or "").strip()
    taken = Programme.objects.filter(code=code).exclude(pk=programme.pk if programme else None)
    if code and taken.exists():
        problems.append(Problem("code", f"已有代码为“{code}”的实施方案，请换一个代码。", "code_taken"))
    parent, parent_problems = _parent(values.get("parent"), programme)
    problems += parent_problems
    if problems:
        raise RuleViolation(problems)
    values["code"] = code
    for name in ("name", "issuer", "document_number", "contact_name", "contact_phone", "contact_email"):
        values[name] = (values.get(name) or "").strip()
    return values, parent


def _parent(code, programme: Programme | None) -> tuple[Programme | None, list[Problem]]:
    if not code:
        return None, []
    parent = Programme.objects.filter(code=code).first()
    if parent is None:
        return None, [Problem("parent", f"未找到代码为“{code}”的上级方案。", "parent_unknown")]
    ancestor = parent
    while ancestor is not None and programme is not None:
        if ancestor.pk == programme.pk:
            return None, [Problem("parent", "上级方案不能是本方案或本方案的下级方案。", "parent_cycle")]
        ancestor = ancestor.parent
    return parent, []


def _record(action: str, *, by, programme: Programme, changed: dict | None = None, reason: str = "") -> None:
    audit.record(action=action, actor=by, programme=programme, changed=data.normalized(changed or {}), reason=reason)


# ------------------------------------------------------------------ create and copy

def programme_create(*, values: dict, by) -> Programme:
    """A new programme from the values given (the model's defaults for the rest), not yet open."""
    _require(by, add=True)
    unknown = set(values) - set(data.VALUE_FIELDS)
    if unknown:
        raise RuleViolation([Problem(name, "实施方案没有这一项。", "field_unknown") for name in sorted(unknown)])
    with transaction.atomic():
        full, parent = _checked({**data.values_of(Programme()), **values}, programme=None)
        programme = Programme(is_open=False, is_current=False, parent=parent)
        data.apply_values(programme, full)
        programme.save()
        _record("create_programme", by=by, programme=programme, changed={"code": [None, programme.code]})
    return programme


def programme_copy(*, programme: Programme, by, code: str | None = None, year: int | None = None) -> Programme:
    """复制为新一年度: every rule copied, dates moved by the years between, the parent kept,
    not open for declarations and not current until the office says so."""
    _require(by, add=True)
    if year is not None and (not isinstance(year, int) or not programme.year < year <= 2100):
        raise RuleViolation.single("year", f"新年度须晚于{programme.year}年，且不晚于2100年。", "year_not_later")
    values = data.next_year_values(data.values_of(programme), year=year)
    if code:
        values["code"] = code
    with transaction.atomic():
        full, parent = _checked(values, programme=None)
        copied = Programme(is_open=False, is_current=False, parent=parent)
        data.apply_values(copied, full)
        copied.save()
        _record("copy_programme", by=by, programme=copied, changed={"copied_from": programme.code, "code": [None, copied.code]})
    return copied


# ------------------------------------------------------------------ edit and amend

def programme_update(*, programme: Programme, by, values: dict) -> Programme:
    """Edit in place: the keys given replace the current values (a list replaces the whole
    list). Refused for a frozen rule once a unit has submitted (use `programme_amend`)."""
    _require(by)
    unknown = set(values) - set(data.VALUE_FIELDS)
    if unknown:
        raise RuleViolation([Problem(name, "实施方案没有这一项。", "field_unknown") for name in sorted(unknown)])
    with transaction.atomic():
        locked = _lock(programme)
        current = data.values_of(locked)
        full, parent = _checked({**current, **values}, programme=locked)
        changed = data.changed_fields(current, full)
        frozen = [name for name in changed if name in data.LOCKED_FIELDS]
        if frozen and _frozen(locked):
            raise RuleViolation([_frozen_problem(name) for name in frozen])
        changed_codes = _removed_topics_in_use(locked, current, full)
        if changed_codes:
            raise RuleViolation(changed_codes)
        if not changed:
            return locked
        data.apply_values(locked, {name: full[name] for name in changed})
        locked.parent = parent
        locked.save()
        _record("edit_programme", by=by, programme=locked, changed=changed)
    return locked


def _frozen_problem(name: str) -> Problem:
    group = data.LOCKED_FIELDS[name]
    return Problem(
        name,
        f"已有单位报送申报，“{group.label}”不能直接修改：请通过“规则修订”提出修改，写明理由和生效日期；"
        "修订记入审计日志，并在方案页公布。",
        "rule_frozen",
    )


def _removed_topics_in_use(programme: Programme, old: dict, new: dict) -> list[Problem]:
    """A focus topic that a declaration chose cannot be removed (its label would be lost)."""
    kept = {t.get("code") for t in new.get("focus_topics") or []}
    removed = {t.get("code"): t.get("label") for t in old.get("focus_topics") or [] if t.get("code") not in kept}
    if not removed:
        return []
    used = set(
        Declaration.objects.filter(programme=programme, focus_topic__in=removed).exclude(state=State.CANCELLED)
        .values_list("focus_topic", flat=True)
    )
    return [
        Problem("focus_topics", f"已有单位的申报选用了重点主题“{removed[code]}”，不能删除（可以修改名称）。", "topic_in_use")
        for code in sorted(used)
    ]


def programme_amend(
    *, programme: Programme, by, rule: str, values: dict, reason: str, effective_on: dt.date | None,
    today: dt.date | None = None,
) -> ProgrammeAmendment:
    """A dated, audited change to one frozen rule group, published on the programme page."""
    _require(by)
    today = today or timezone.now().astimezone(SHANGHAI).date()
    group = data.LOCKED_RULES.get(rule)
    if group is None:
        raise RuleViolation.single("rule", f"“{rule}”不是可修订的规则，可修订：{'、'.join(g.label for g in data.LOCKED_RULES.values())}。", "rule_unknown")
    problems = [Problem(name, f"规则修订“{group.label}”不包括这一项。", "field_not_in_rule") for name in sorted(set(values) - set(group.fields))]
    reason = (reason or "").strip()
    if not reason:
        problems.append(Problem("reason", "请填写修订理由（将与修订一并公布）。", "reason_required"))
    elif len(reason) > 2000:
        problems.append(Problem("reason", "修订理由不能超过2000个字。", "reason_too_long"))
    if effective_on is None:
        problems.append(Problem("effective_on", "请填写生效日期。", "effective_on_required"))
    elif effective_on > today:
        problems.append(Problem("effective_on", f"修订自记录之时起执行，生效日期不能晚于今天（{today.year}年{today.month}月{today.day}日）。", "effective_on_future"))
    elif effective_on.year < programme.year - 1:
        problems.append(Problem("effective_on", f"生效日期应在{programme.year - 1}年以后。", "effective_on_too_early"))
    if problems:
        raise RuleViolation(problems)
    with transaction.atomic():
        locked = _lock(programme)
        current = data.values_of(locked)
        full, _parent_unchanged = _checked({**current, **values}, programme=locked)
        changes = {name: change for name, change in data.changed_fields(current, full).items() if name in group.fields}
        if not changes:
            raise RuleViolation.single(NON_FIELD, f"“{group.label}”没有任何改动，无需修订。", "nothing_changed")
        amendment = ProgrammeAmendment.objects.create(
            programme=locked, rule=rule, changes=data.normalized(changes), reason=reason,
            effective_on=effective_on, made_by=by, made_at=timezone.now(),
        )
        data.apply_values(locked, {name: full[name] for name in changes})
        locked.save()
        _record("amend_programme", by=by, programme=locked, reason=reason,
                changed={**changes, "amendment": amendment.pk, "rule": rule, "effective_on": effective_on})
    return amendment


# ------------------------------------------------------------------ open, close, current

def programme_open(*, programme: Programme, by) -> Programme:
    """开放申报: units may draft and submit declarations in this programme."""
    _require(by)
    with transaction.atomic():
        locked = _lock(programme)
        if locked.is_open:
            raise TransitionConflict(f"“{locked.name}”已在受理申报。")
        problems = check_ready_to_open(data.values_of(locked))
        if problems:
            raise RuleViolation(problems)
        locked.is_open = True
        locked.save(update_fields=["is_open"])
        _record("open_programme", by=by, programme=locked, changed={"is_open": [False, True]})
    return locked


def programme_close(*, programme: Programme, by) -> Programme:
    """停止受理申报: no new declarations; what was declared goes on."""
    _require(by)
    with transaction.atomic():
        locked = _lock(programme)
        if not locked.is_open:
            raise TransitionConflict(f"“{locked.name}”已停止受理申报。")
        locked.is_open = False
        locked.save(update_fields=["is_open"])
        _record("close_programme", by=by, programme=locked, changed={"is_open": [True, False]})
    return locked


def programme_mark_current(*, programme: Programme, by) -> Programme:
    """设为当前年度: the year the navigation opens (填报, lists, schedule, assessment)."""
    _require(by)
    with transaction.atomic():
        locked = _lock(programme)
        if locked.is_current:
            raise TransitionConflict(f"“{locked.name}”已是当前年度。")
        if not locked.accepts_declarations:
            raise RuleViolation.single(NON_FIELD, "本方案不受理本级单位申报（省、市方案仅作为依据），不能设为当前年度。", "not_accepting")
        previous = list(Programme.objects.select_for_update().filter(is_current=True))
        Programme.objects.filter(pk__in=[p.pk for p in previous]).update(is_current=False)
        locked.is_current = True
        locked.save(update_fields=["is_current"])
        _record("mark_current_programme", by=by, programme=locked,
                changed={"is_current": [False, True], "previous": [p.code for p in previous]})
    return locked
