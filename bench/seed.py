"""Province-scale data, bulk-loaded with PostgreSQL COPY (psycopg 3).

What is loaded for `units` = N (1,000 at full scale, 10 at 1/100):

- N units (departments and subdistricts), each with its two role groups (operator,
  leader) carrying guardian group object permissions on the unit, exactly as
  `units.services.unit_role_group` makes them; 10 people per unit (2 leaders, 8
  operators) who join those groups, each grant audited on the global chain;
- 100 programmes cloned from the Kaifu 2023 fixture (`bench-p00` … `bench-p98` closed,
  `bench-2024` the current one), one declaration per unit and programme (100 × N):
  p00–p97 evaluated, p98 drafted (the leaders' seal queue), bench-2024 submitted (the
  reviewers' queue) except the first N/100 units, reviewed (the scheduler's queue);
- each declaration's audit events (about 10 on average: create, edits, submit, a
  return and resubmission for half, approve, schedule, hold, summarize, sometimes
  mark_exemplary, evaluate), hash-chained with `workflow.audit.event_hash` so that
  `verify_audit` passes, and a checkpoint over all chain heads;
- one viewflow process per declaration with the tasks `DeclarationFlow.start` makes
  (start → resume → the open human task, or → end), so inboxes list real rows;
- personas: `bench-lead-small` (leader of N/100 units), `bench-lead-large` (leader of
  every unit), `bench-reviewer`, `bench-scheduler`, `bench-assessor`, and `bench-admin`.

Everything is written as the product's own code would leave it; only the speed differs.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Iterator

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from viewflow.workflow.fields import get_flow_ref, get_task_ref
from viewflow.workflow.status import STATUS

from policies.models import Programme
from units.models import Unit, UnitKind, UnitRoleGroup
from units.roles import PERM_OPERATE, PERM_SEAL, REVIEW, SCHEDULE, SEAL, UNIT_ROLE_PERMISSIONS, Role, unit_group_name
from workflow import audit
from workflow.flows import DeclarationFlow
from workflow.models import AuditChain, Declaration, ScheduleVersion, State
from workflow.roles import role_grant
from workflow.trail.checkpoints import checkpoint

PROGRAMMES = 100
PEOPLE_PER_UNIT = 10
LEADERS_PER_UNIT = 2
CURRENT = "bench-2024"
OPS = "bench-ops"
UTC = dt.UTC
T0 = dt.datetime(2023, 3, 1, 1, 0, tzinfo=UTC)

User = get_user_model()


def small_of(units: int) -> int:
    """The number of units the small personas see (10 at full scale)."""
    return max(1, units // 100)


# ------------------------------------------------------------------ COPY


def _copy(table: str, columns: Iterable[str], rows: Iterable[tuple]) -> int:
    """COPY rows into `table`; JSON values must already be text."""
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _reset_sequences(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------ the seed


def seeded(units: int) -> bool:
    """True when this database already holds the bench data at this scale."""
    return (
        Programme.objects.filter(code=CURRENT).exists()
        and Unit.objects.filter(code__startswith="bench-u").count() == units
        and Declaration.objects.filter(programme__code__startswith="bench-p").count() == units * (PROGRAMMES - 1)
    )


def seed(units: int, *, log=print) -> dict:
    """Load everything (the database must hold the migrated schema and no bench data)."""
    started = time.perf_counter()
    timings = {}

    def step(name, fn, *args):
        t = time.perf_counter()
        result = fn(*args)
        timings[name] = round(time.perf_counter() - t, 2)
        log(f"  seed {name}: {timings[name]} s")
        return result

    with transaction.atomic():
        programmes = step("programmes", _programmes)
        unit_ids = step("units", _units, units)
        people = step("people", _people, unit_ids)
    with transaction.atomic():
        step("audit+declarations+processes", _declarations, programmes, unit_ids, people)
        step("schedule", _schedule, programmes[0], people)
    step("checkpoint", checkpoint)
    _reset_sequences("workflow_declaration", "viewflow_process", "viewflow_task", "auth_user", "auth_group")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["total"] = round(time.perf_counter() - started, 2)
    return timings


def _programmes() -> list[Programme]:
    call_command("loaddata", "fixtures/programmes-2023.json", verbosity=0)
    model = Programme.objects.get(code="kaifu-2023")
    fields = {
        f.attname: getattr(model, f.attname)
        for f in Programme._meta.concrete_fields
        if f.attname not in ("id", "code", "name", "year", "accepts_declarations", "is_open", "declaration_due_date", "parent_id")
    }
    rows = [
        Programme(code=f"bench-p{i:02d}", name=f"基准测试实施方案{i:02d}", year=2023, accepts_declarations=False, is_open=False, **fields)
        for i in range(PROGRAMMES - 1)
    ]
    # The current programme (pages list it) and the one the timed transitions use: open, no deadline.
    rows.append(Programme(code=CURRENT, name="基准测试2024年实施方案", year=2024, accepts_declarations=True, is_open=True, **fields))
    rows.append(Programme(code=OPS, name="基准测试操作方案", year=2023, accepts_declarations=True, is_open=True, **fields))
    Programme.objects.bulk_create(rows)
    return list(Programme.objects.filter(code__startswith="bench-p").order_by("code")) + [Programme.objects.get(code=CURRENT)]


def _units(n: int) -> list[int]:
    Unit.objects.bulk_create([
        Unit(code=f"bench-u{i:04d}", name=f"基准单位{i:04d}", short_name=f"单位{i:04d}",
             kind=UnitKind.DEPARTMENT if i % 3 else UnitKind.SUBDISTRICT)
        for i in range(n)
    ], batch_size=2000)
    ids = list(Unit.objects.filter(code__startswith="bench-u").order_by("code").values_list("id", flat=True))
    # One group per unit and role, with guardian group object permissions on the unit.
    Group.objects.bulk_create([
        Group(name=unit_group_name(f"bench-u{i:04d}", role)) for i in range(n) for role in (Role.OPERATOR, Role.LEADER)
    ], batch_size=2000)
    groups = dict(Group.objects.filter(name__startswith="unit:bench-u").values_list("name", "id"))
    UnitRoleGroup.objects.bulk_create([
        UnitRoleGroup(group_id=groups[unit_group_name(f"bench-u{i:04d}", role)], unit_id=uid, role=role)
        for i, uid in enumerate(ids) for role in (Role.OPERATOR, Role.LEADER)
    ], batch_size=2000)
    unit_ct = ContentType.objects.get_for_model(Unit)
    perms = {p.codename: p.pk for p in Permission.objects.filter(content_type=unit_ct, codename__in=[PERM_OPERATE, PERM_SEAL])}
    _copy("guardian_groupobjectpermission", ("object_pk", "content_type_id", "group_id", "permission_id"), (
        (str(uid), unit_ct.pk, groups[unit_group_name(f"bench-u{i:04d}", role)], perms[codename])
        for i, uid in enumerate(ids) for role in (Role.OPERATOR, Role.LEADER) for codename in UNIT_ROLE_PERMISSIONS[role]
    ))
    return ids


def _people(unit_ids: list[int]) -> dict:
    """10 people per unit in the unit's groups, and the personas; every grant audited (global chain)."""
    n = len(unit_ids)
    password = make_password(None)  # unusable: the benchmark logs in with force_login
    now = T0
    users = [
        User(username=f"bench-u{i:04d}-{k}", first_name=f"基准{i:04d}-{k}", password=password, date_joined=now)
        for i in range(n) for k in range(PEOPLE_PER_UNIT)
    ] + [User(username=name, first_name=name, password=password, date_joined=now) for name in ("bench-lead-small", "bench-lead-large")]
    User.objects.bulk_create(users, batch_size=5000)
    admin = User.objects.create(username="bench-admin", is_superuser=True, is_staff=True, password=password)
    user_ids = dict(User.objects.filter(username__startswith="bench-").values_list("username", "id"))
    groups = dict(Group.objects.filter(name__startswith="unit:bench-u").values_list("name", "id"))

    grants = []  # (user id, group id, unit id, username, role, unit code)
    for i, uid in enumerate(unit_ids):
        code = f"bench-u{i:04d}"
        for k in range(PEOPLE_PER_UNIT):
            role = Role.LEADER if k < LEADERS_PER_UNIT else Role.OPERATOR
            username = f"{code}-{k}"
            grants.append((user_ids[username], groups[unit_group_name(code, role)], uid, username, role, code))
        for persona, count in (("bench-lead-small", small_of(n)), ("bench-lead-large", n)):
            if i < count:
                grants.append((user_ids[persona], groups[unit_group_name(code, Role.LEADER)], uid, persona, Role.LEADER, code))
    _copy("auth_user_groups", ("user_id", "group_id"), ((u, g) for u, g, *_ in grants))

    # The audit events role_grant would have written, on the global chain.
    head, _ = AuditChain.objects.get_or_create(key=audit.GLOBAL)
    seq, prev = head.seq, head.head or audit.GENESIS
    rows = []
    for _user, _group, unit_id, username, role, code in grants:
        seq += 1
        at = T0 + dt.timedelta(seconds=seq)
        changed = {"user": username, "role": str(role), "unit": code}
        digest = audit.event_hash(
            chain=audit.GLOBAL, seq=seq, declaration_id=None, unit_id=unit_id, programme_id=None, actor_id=admin.pk,
            action="grant_role", from_state="", to_state="", reason="", changed=changed, created_at=at,
            request_id="", prev_hash=prev,
        )
        rows.append((seq, None, unit_id, None, admin.pk, "grant_role", "", "", "", _dumps(changed), at, "", prev, digest))
        prev = digest
    _copy("workflow_auditevent", _EVENT_COLUMNS, rows)
    head.seq, head.head = seq, prev
    head.save(update_fields=["seq", "head"])

    # Office personas through the real service (audited on the same chain).
    office = {}
    for name, role in (("bench-reviewer", Role.REVIEWER), ("bench-scheduler", Role.SCHEDULER), ("bench-assessor", Role.ASSESSOR)):
        office[role] = User.objects.create(username=name, first_name=name, password=password)
        role_grant(user=office[role], role=role, by=admin)
    return {"user_ids": user_ids, "office": office, "admin": admin}


def _schedule(programme: Programme, people: dict) -> None:
    """A published 活动计划安排表 of the first programme: one row per unit (the XLSX export step)."""
    declarations = Declaration.objects.filter(programme=programme).select_related("unit").order_by("unit__code")
    entries, rows = [], []
    for d in declarations:
        entries.append({"declaration": d.pk, "unit": d.unit_id, "month": 5})
        rows.append({  # the stored rows the export reads (workflow.schedule_versions.ROW_FIELDS)
            "number": len(rows) + 1, "declaration": d.pk, "unit": d.unit.code, "unit_name": d.unit.name, "theme": d.theme,
            "month": 5, "form": d.form, "form_label": programme.label("forms", d.form), "focus_topic": d.focus_topic,
            "focus_label": programme.label("focus_topics", d.focus_topic), "description": d.description,
            "contact_name": d.contact_name, "contact_phone": d.contact_phone, "state": d.state, "first_version": 1,
        })
    ScheduleVersion.objects.create(programme=programme, number=1, published_by=people["office"][Role.SCHEDULER],
                                   entries=entries, rows=rows)


_EVENT_COLUMNS = (
    "seq", "declaration_id", "unit_id", "programme_id", "actor_id", "action", "from_state", "to_state", "reason",
    "changed", "created_at", "request_id", "prev_hash", "hash",
)

_HUMAN = {
    State.DRAFTED: (DeclarationFlow.seal, SEAL),
    State.SUBMITTED: (DeclarationFlow.review, REVIEW),
    State.REVIEWED: (DeclarationFlow.schedule, SCHEDULE),
}


def _iso(value) -> str:
    return value.isoformat()


def _story(p: int, u: int, final: str) -> Iterator[tuple[str, str, str, str, dict, str]]:
    """(action, role, from, to, changed, reason) of one declaration, in order."""
    yield "create", "op", "", State.DRAFTED, {"theme": [None, f"主题{p:02d}-{u:04d}"], "month": [None, 5], "form": [None, "forum"]}, ""
    for e in range((p + u) % 4):
        yield "edit", "op", State.DRAFTED, State.DRAFTED, {"description": [f"简介{e}", f"简介{e + 1}"]}, ""
    if final == State.DRAFTED:
        return
    submit = {"submitted_by": [None, "lead"], "submitted_at": [None, "t"], "first_submitted_at": [None, "t"]}
    yield "submit", "lead", State.DRAFTED, State.SUBMITTED, submit, ""
    if final == State.SUBMITTED:
        return
    if (p + u) % 2:
        yield "return", "reviewer", State.SUBMITTED, State.DRAFTED, {"return_reason": ["", "请补充活动简介。"], "return_count": [0, 1]}, "请补充活动简介。"
        yield "edit", "op", State.DRAFTED, State.DRAFTED, {"description": ["简介", "补充后的简介"]}, ""
        yield "submit", "lead", State.DRAFTED, State.SUBMITTED, {"submitted_by": [None, "lead"]}, ""
    yield "approve", "reviewer", State.SUBMITTED, State.REVIEWED, {"reviewed_by": [None, "reviewer"], "reviewed_at": [None, "t"]}, ""
    if final == State.REVIEWED:
        return
    yield "schedule", "scheduler", State.REVIEWED, State.SCHEDULED, {"scheduled_month": [None, 5]}, ""
    yield "hold", "op", State.SCHEDULED, State.HELD, {"held_on": [None, "2023-05-18"], "logo_shown": [False, True]}, ""
    yield "summarize", "op", State.HELD, State.SUMMARIZED, {"summary_practice": ["", "座谈交流"]}, ""
    if u % 10 == 0:
        yield "mark_exemplary", "scheduler", State.SUMMARIZED, State.SUMMARIZED, {"exemplary": [False, True]}, ""
    yield "evaluate", "assessor", State.SUMMARIZED, State.EVALUATED, {"scores": [{}, {"quality": 8}]}, ""


def _final_state(p: int, u: int, n: int) -> str:
    if p < PROGRAMMES - 2:
        return State.EVALUATED
    if p == PROGRAMMES - 2:
        return State.DRAFTED
    return State.REVIEWED if u < small_of(n) else State.SUBMITTED


_DECLARATION_COLUMNS = (
    "id", "programme_id", "unit_id", "state", "theme", "month", "form", "focus_topic", "description", "banner",
    "contact_name", "contact_phone", "created_by_id", "created_at", "updated_at", "submitted_by_id", "submitted_at",
    "first_submitted_at", "reviewed_by_id", "reviewed_at", "return_reason", "return_count", "scheduled_month",
    "held_on", "place", "participants", "banner_used", "logo_shown", "publicity", "form_facts", "summary_practice",
    "summary_effect", "summary_experience", "summarized_at", "nominated", "exemplary", "scores", "evaluation_comment",
    "evaluated_by_id", "evaluated_at", "cancel_reason", "audit_seq", "audit_head",
)
_PROCESS_COLUMNS = ("id", "flow_class", "status", "created", "finished", "artifact_content_type_id", "artifact_object_id", "data")
_TASK_COLUMNS = (
    "id", "flow_task", "flow_task_type", "status", "created", "started", "finished", "token", "owner_permission",
    "owner_id", "process_id", "owner_permission_content_type_id", "owner_permission_obj_pk", "data",
)


def _declarations(programmes: list[Programme], unit_ids: list[int], people: dict) -> None:
    n = len(unit_ids)
    uid = people["user_ids"]
    office = {"reviewer": people["office"][Role.REVIEWER].pk, "scheduler": people["office"][Role.SCHEDULER].pk,
              "assessor": people["office"][Role.ASSESSOR].pk}
    unit_ct = ContentType.objects.get_for_model(Unit).pk
    declaration_ct = ContentType.objects.get_for_model(Declaration).pk
    flow_ref = get_flow_ref(DeclarationFlow)
    refs = {node: get_task_ref(node) for node in (DeclarationFlow.start, DeclarationFlow.resume, DeclarationFlow.end,
                                                   DeclarationFlow.seal, DeclarationFlow.review, DeclarationFlow.schedule)}
    next_decl, next_process, next_task = _next_id("workflow_declaration"), _next_id("viewflow_process"), _next_id("viewflow_task")

    declarations, events, processes, tasks, previous = [], [], [], [], []

    def flush():
        _copy("workflow_declaration", _DECLARATION_COLUMNS, declarations)
        _copy("workflow_auditevent", _EVENT_COLUMNS, events)
        _copy("viewflow_process", _PROCESS_COLUMNS, processes)
        _copy("viewflow_task", _TASK_COLUMNS, tasks)
        _copy("viewflow_task_previous", ("from_task_id", "to_task_id"), previous)
        for rows in (declarations, events, processes, tasks, previous):
            rows.clear()

    for p, programme in enumerate(programmes):
        banner_rule = programme.banner_rule
        for u, unit_id in enumerate(unit_ids):
            code = f"bench-u{u:04d}"
            actors = {"op": uid[f"{code}-2"], "lead": uid[f"{code}-0"], **office}
            final = _final_state(p, u, n)
            d_id = next_decl
            next_decl += 1
            at = T0 + dt.timedelta(days=p % 28, minutes=u)
            seq, prev = 0, audit.GENESIS
            submitted_at = None
            returns = 0
            for action, role, from_s, to_s, changed, reason in _story(p, u, final):
                seq += 1
                at += dt.timedelta(minutes=7)
                if action == "submit" and submitted_at is None:
                    submitted_at = at
                returns += action == "return"
                digest = audit.event_hash(
                    chain=audit.chain_key(d_id), seq=seq, declaration_id=d_id, unit_id=unit_id, programme_id=programme.pk,
                    actor_id=actors[role], action=action, from_state=from_s, to_state=to_s, reason=reason, changed=changed,
                    created_at=at, request_id="", prev_hash=prev,
                )
                events.append((seq, d_id, unit_id, programme.pk, actors[role], action, from_s, to_s, reason,
                               _dumps(changed), at, "", prev, digest))
                prev = digest
            done = final == State.EVALUATED
            held = dt.date(programme.year, 5, 18) if done else None
            unit_name = f"基准单位{u:04d}"
            banner = banner_rule.canonical(unit_name=unit_name, year=programme.year)
            declarations.append((
                d_id, programme.pk, unit_id, final, f"主题{p:02d}-{u:04d}", 5, "forum", "business_environment",
                "邀请企业代表座谈，解读惠企政策。", banner, "张三", "0731-84390001", actors["op"], T0, at,
                actors["lead"] if submitted_at else None, submitted_at, submitted_at,
                office["reviewer"] if final in (State.REVIEWED, State.EVALUATED) else None,
                submitted_at if final in (State.REVIEWED, State.EVALUATED) else None,
                "请补充活动简介。" if returns else "", returns, 5 if done else None, held,
                "区政务服务中心" if done else "", _dumps({"citizen": 20, "enterprise": 5} if done else {}),
                banner if done else "", done,
                _dumps([{"channel": "gov_website", "url": "https://www.example.gov.cn/a", "date": "2023-05-19"}] if done else []),
                _dumps({"attendance": 25} if done else {}), "座谈交流" if done else "", "收集建议10条" if done else "",
                "闭环办理" if done else "", at if done else None, False, done and u % 10 == 0,
                _dumps({"quality": 8} if done else {}), "组织有序" if done else "", office["assessor"] if done else None,
                at if done else None, "", seq, prev,
            ))
            # The viewflow process DeclarationFlow.start makes: start → resume → human task (or end).
            process_id = next_process
            next_process += 1
            processes.append((process_id, flow_ref, STATUS.DONE if done else STATUS.NEW, at, at if done else None,
                              declaration_ct, d_id, "{}"))
            adopt, resume, last = next_task, next_task + 1, next_task + 2
            next_task += 3
            tasks.append((adopt, refs[DeclarationFlow.start], "START", STATUS.DONE, at, at, at, "start", None, None, process_id, None, None, "{}"))
            tasks.append((resume, refs[DeclarationFlow.resume], "SWITCH", STATUS.DONE, at, at, at, "start", None, None, process_id, None, None, "{}"))
            if done:
                tasks.append((last, refs[DeclarationFlow.end], "END", STATUS.DONE, at, at, at, "start", None, None, process_id, None, None, "{}"))
            else:
                node, perm = _HUMAN[final]
                on_unit = perm.startswith("units.")
                tasks.append((last, refs[node], "HUMAN", STATUS.NEW, at, None, None, "start", perm, None, process_id,
                              unit_ct if on_unit else None, str(unit_id) if on_unit else None, "{}"))
            previous.extend(((resume, adopt), (last, resume)))
        if len(events) > 200_000 or p == len(programmes) - 1:
            flush()
