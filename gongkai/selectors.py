"""Everything the public column shows is read here, and nowhere else (issue 19).

Each function returns frozen dataclasses that carry only what a citizen may see, copied field
by field from an explicit list, so a new column on a model never reaches the public by itself.
What never leaves this module: drafts, declarations not yet scheduled, cancelled ones, people's
names, phone numbers and e-mail addresses (the contact person, the office contact, who did
what), reasons for returns and cancellations, evaluations and scores before they are released
(and then only the released totals and points), the audit trail's content (only the times of
three public acts — scheduled, held, marked exemplary — date the feed items) and evidence not
marked public.

An activity is public from the moment it is on the published plan (`publication.PUBLIC_STATES`);
its holding (date, place, participants by category, publicity links, public photos) once it is
held; its summary only once the office has marked it exemplary (典型经验). Results: only where the
programme says results are public (`Programme.results_public`), and only the latest release.

Queries: a fixed number per page, whatever the number of activities (the tests pin them).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Min

from policies import holding
from policies.models import Programme
from policies.selectors import programme_amendments
from workflow import exports
from workflow.models import (
    AssessmentRelease,
    AuditCheckpoint,
    AuditEvent,
    Declaration,
    Evidence,
    EvidenceKind,
    ScheduleVersion,
    State,
)
from workflow.publication import PUBLIC_STATES
from workflow.trail import anchors as trail_anchors

HELD_STATES = (State.HELD, State.SUMMARIZED, State.EVALUATED)
EXEMPLARY_STATES = (State.SUMMARIZED, State.EVALUATED)
PHOTO_KINDS = {EvidenceKind.LOGO_PHOTO: "LOGO展示照片", EvidenceKind.HOLDING_PHOTO: "活动现场照片",
               EvidenceKind.PUBLICITY: "宣传报道截图", EvidenceKind.OTHER: "活动照片"}
PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
FEED_SIZE = 50


# ------------------------------------------------------------------ programmes

@dataclass(frozen=True)
class ProgrammeRef:
    code: str
    name: str
    year: int
    issuer: str
    document_number: str
    results_public: bool


_PROGRAMME_FIELDS = ("code", "name", "year", "issuer", "document_number", "results_public")


def _programmes():
    """The programmes the column covers: the district's own (those that take declarations);
    the provincial and city programmes are only their basis."""
    return Programme.objects.filter(accepts_declarations=True).order_by("-year", "code")


def programmes() -> list[ProgrammeRef]:
    """Every programme of the column, newest first (earlier years stay reachable)."""
    return [ProgrammeRef(*row) for row in _programmes().values_list(*_PROGRAMME_FIELDS)]


def current_code() -> str | None:
    """The code of this year's programme (the newest), for `/gongkai/`."""
    return _programmes().values_list("code", flat=True).first()


def programme(code: str) -> tuple[Programme, ProgrammeRef] | None:
    """The programme of `code` (its row, for labels, and what the public may read of it)."""
    found = _programmes().filter(code=code).first()
    if found is None:
        return None
    return found, ProgrammeRef(*(getattr(found, name) for name in _PROGRAMME_FIELDS))


def amendments(code: str) -> list[str]:
    """The programme's rule amendments as the column publishes them: from when, which rule, what it
    was and is, and why. Never who made it (no names on the column). One query."""
    return [
        f"{a.effective_on:%Y年%m月%d日}起，{a.rule_label}调整："
        + "；".join(f"{change.label}由“{change.old}”改为“{change.new}”" for change in a.changes)
        + f"。理由：{a.reason}"
        for a in programme_amendments(code)
    ]


# ------------------------------------------------------------------ the plan

@dataclass(frozen=True)
class PlanRow:
    id: int
    unit: str
    theme: str
    month: int
    form: str
    focus: str
    description: str
    held: bool


@dataclass(frozen=True)
class Plan:
    programme: ProgrammeRef
    title: str
    version: int | None  # None: no version published yet
    published_at: dt.datetime | None
    rows: tuple[PlanRow, ...]

    def by_month(self) -> list[tuple[int, list[PlanRow]]]:
        months: dict[int, list[PlanRow]] = {}
        for row in self.rows:
            months.setdefault(row.month, []).append(row)
        return sorted(months.items())


def plan(code: str) -> Plan | None:
    """The latest published 活动计划安排表 of `code`, by month: every activity it lists, except one
    cancelled since (a published version keeps it; the public never sees a cancelled activity).
    Three queries: the programme, the latest version, the activities' states now."""
    found = programme(code)
    if found is None:
        return None
    row, ref = found
    version = ScheduleVersion.objects.filter(programme=row).order_by("-number").only("number", "published_at", "rows").first()
    if version is None:
        return Plan(ref, exports.schedule_title(row), None, None, ())
    states = dict(Declaration.objects.filter(pk__in=[r["declaration"] for r in version.rows]).values_list("pk", "state"))
    rows = tuple(
        PlanRow(id=r["declaration"], unit=r["unit_name"], theme=r["theme"], month=r["month"], form=r["form_label"],
                focus=r.get("focus_label", ""), description=r["description"], held=states.get(r["declaration"]) in HELD_STATES)
        for r in version.rows if states.get(r["declaration"]) in PUBLIC_STATES
    )
    return Plan(ref, exports.schedule_title(row), version.number, version.published_at, rows)


def plan_workbook(code: str) -> tuple[str, bytes] | None:
    """The plan as the official spreadsheet, without the contact person and phone columns: a
    file name and its bytes. Not audited: anybody may download it any number of times."""
    found = plan(code)
    if found is None or found.version is None:
        return None
    rows = [
        {"number": n, "unit_name": r.unit, "theme": r.theme, "month": r.month, "form_label": r.form, "focus_label": r.focus,
         "description": r.description, "contact_name": "", "contact_phone": "", "state": ""}
        for n, r in enumerate(found.rows, start=1)
    ]
    content = exports.schedule_workbook(title=f"{found.title}（第{found.version}版·公开）", number=found.version, rows=rows,
                                        columns=exports.PUBLIC_COLUMNS)
    return f"{code}-plan-v{found.version}.xlsx", content


# ------------------------------------------------------------------ one activity

@dataclass(frozen=True)
class Photo:
    id: int
    alt: str
    extension: str


@dataclass(frozen=True)
class Publicity:
    channel: str
    url: str
    date: str


@dataclass(frozen=True)
class Activity(PlanRow):
    """A row of the plan, and what its own page adds once held (and exemplary)."""

    programme: ProgrammeRef
    held_on: dt.date | None = None
    place: str = ""
    participants: tuple[tuple[str, int], ...] = ()
    publicity: tuple[Publicity, ...] = ()
    photos: tuple[Photo, ...] = ()
    exemplary: bool = False
    practice: str = ""
    effect: str = ""
    experience: str = ""

    @property
    def participant_total(self) -> int:
        return sum(count for _label, count in self.participants)


# The declaration columns the column reads: nothing else is fetched.
_ACTIVITY_FIELDS = (
    "id", "unit__name", "theme", "scheduled_month", "form", "focus_topic", "description", "state", "held_on", "place",
    "participants", "publicity", "exemplary", "summary_practice", "summary_effect", "summary_experience",
)


def activity(code: str, pk: int) -> Activity | None:
    """One activity's page: None (404) unless it is on the plan or later. Three queries: the
    programme, the activity, its public photos (once held)."""
    found = programme(code)
    if found is None:
        return None
    row, ref = found
    values = Declaration.objects.filter(pk=pk, programme=row, state__in=PUBLIC_STATES).values(*_ACTIVITY_FIELDS).first()
    if values is None:
        return None
    held = values["state"] in HELD_STATES
    fields = {
        "id": values["id"], "programme": ref, "unit": values["unit__name"], "theme": values["theme"],
        "month": values["scheduled_month"], "form": row.label("forms", values["form"]) if values["form"] else "",
        "focus": row.label("focus_topics", values["focus_topic"]) if values["focus_topic"] else "",
        "description": values["description"], "held": held,
    }
    if held:
        fields.update(
            held_on=values["held_on"], place=values["place"], participants=_participants(row, values["participants"]),
            publicity=_publicity(row, values["publicity"]), photos=_photos(values["id"], values["unit__name"], values["theme"]),
        )
    if values["exemplary"] and values["state"] in EXEMPLARY_STATES:
        fields.update(exemplary=True, practice=values["summary_practice"], effect=values["summary_effect"],
                      experience=values["summary_experience"])
    return Activity(**fields)


def _participants(row: Programme, counts) -> tuple[tuple[str, int], ...]:
    counts = counts if isinstance(counts, dict) else {}
    return tuple(
        (c["label"], counts[c["code"]]) for c in row.participant_categories
        if isinstance(counts.get(c["code"]), int) and not isinstance(counts.get(c["code"]), bool) and counts[c["code"]] > 0
    )


def _publicity(row: Programme, entries) -> tuple[Publicity, ...]:
    """The publicity links (news, the website column, new media): web addresses only."""
    links = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and holding.is_web_url(str(entry.get("url") or "")):
            links.append(Publicity(row.label("publicity_channels", str(entry.get("channel") or "")), str(entry["url"]),
                                   str(entry.get("date") or "")))
    return tuple(links)


def _public_photos(declaration_ids):
    return Evidence.objects.filter(declaration_id__in=declaration_ids, public=True, content_type__in=list(PHOTO_EXTENSIONS))


def _photos(declaration_id: int, unit: str, theme: str) -> tuple[Photo, ...]:
    photos = _public_photos([declaration_id]).order_by("uploaded_at", "pk").values_list("pk", "kind", "content_type")
    return tuple(
        Photo(pk, f"{unit}“{theme}”{PHOTO_KINDS.get(kind, '活动照片')}（第{n}张）", PHOTO_EXTENSIONS[content_type])
        for n, (pk, kind, content_type) in enumerate(photos, start=1)
    )


@dataclass(frozen=True)
class PhotoFile:
    name: str  # in Django's storage
    content_type: str
    sha256: str
    extension: str


def photo(code: str, pk: int, evidence_id: int) -> PhotoFile | None:
    """A photo the public may see: marked public, of an activity of `code` that has been held."""
    found = _public_photos([pk]).filter(
        pk=evidence_id, declaration__programme__code=code, declaration__programme__accepts_declarations=True,
        declaration__state__in=HELD_STATES,
    ).values_list("file", "content_type", "sha256").first()
    if found is None:
        return None
    name, content_type, digest = found
    return PhotoFile(name, content_type, digest, PHOTO_EXTENSIONS[content_type])


# ------------------------------------------------------------------ 典型经验

@dataclass(frozen=True)
class Exemplary:
    id: int
    unit: str
    theme: str
    month: int
    practice: str
    effect: str
    experience: str


def exemplary(code: str) -> tuple[ProgrammeRef, list[Exemplary]] | None:
    """The year's exemplary experiences, each with its unit and activity (two queries)."""
    found = programme(code)
    if found is None:
        return None
    row, ref = found
    items = Declaration.objects.filter(programme=row, exemplary=True, state__in=EXEMPLARY_STATES).order_by(
        "scheduled_month", "unit__code").values_list(
        "pk", "unit__name", "theme", "scheduled_month", "summary_practice", "summary_effect", "summary_experience")
    return ref, [Exemplary(*item) for item in items]


# ------------------------------------------------------------------ results

@dataclass(frozen=True)
class ResultRow:
    rank: int
    unit: str
    total: float
    points: tuple[float, ...]


@dataclass(frozen=True)
class Results:
    programme: ProgrammeRef
    number: int | None  # None: results are public but none released yet
    released_at: dt.datetime | None
    max_total: float
    indicators: tuple[tuple[str, float], ...]  # label, full marks
    rows: tuple[ResultRow, ...]


def results(code: str) -> Results | None:
    """The latest released ranking, where the programme makes results public (None: 404)."""
    found = programme(code)
    if found is None or not found[1].results_public:
        return None
    row, ref = found
    release = AssessmentRelease.objects.filter(programme=row).order_by("-number").only("number", "released_at", "board").first()
    if release is None:
        return Results(ref, None, None, 0, (), ())
    board = release.board
    return Results(
        ref, release.number, release.released_at, board["max_total"],
        tuple((i["label"], i["weight"]) for i in board["indicators"]),
        tuple(ResultRow(r["rank"], r["unit"]["name"], r["total"], tuple(i["points"] for i in r["indicators"])) for r in board["units"]),
    )


# ------------------------------------------------------------------ feeds

@dataclass(frozen=True)
class FeedItem:
    key: str  # stable: "<kind>-<activity id>"
    kind: str  # scheduled | held | exemplary
    at: dt.datetime
    programme: str  # code
    activity: int
    title: str
    summary: str


_KIND_TITLES = {"scheduled": "活动安排", "held": "活动举办", "exemplary": "典型经验"}


def feed_items(limit: int = FEED_SIZE) -> list[FeedItem]:
    """Newly scheduled, held and exemplary activities of every programme, newest first. Each is
    dated by the time of the public act (the first `schedule`, the last `hold` and the last
    `mark_exemplary` event): the audit trail's times only, never its content. Three queries."""
    codes = dict(_programmes().values_list("pk", "code"))
    activities = {
        values["id"]: values for values in Declaration.objects.filter(programme_id__in=codes, state__in=PUBLIC_STATES).values(
            "id", "programme_id", "unit__name", "theme", "scheduled_month", "state", "held_on", "place", "exemplary", "description")
    }
    times = AuditEvent.objects.filter(
        programme_id__in=codes, declaration_id__in=list(activities), action__in=("schedule", "hold", "mark_exemplary"),
    ).values("declaration_id", "action").annotate(first=Min("created_at"), last=Max("created_at")).order_by()
    items = []
    for t in times:
        a = activities[t["declaration_id"]]
        if t["action"] == "schedule":
            kind, at = "scheduled", t["first"]
            summary = f"{a['unit__name']}计划于{a['scheduled_month']}月举办：{a['description']}"
        elif t["action"] == "hold" and a["state"] in HELD_STATES:
            kind, at = "held", t["last"]
            day = a["held_on"]
            when = f"{day.year}年{day.month}月{day.day}日" if day else ""
            summary = f"{a['unit__name']}于{when}在{a['place']}举办。" if a["place"] else f"{a['unit__name']}于{when}举办。"
        elif t["action"] == "mark_exemplary" and a["exemplary"] and a["state"] in EXEMPLARY_STATES:
            kind, at = "exemplary", t["last"]
            summary = f"{a['unit__name']}的活动经验被区政务公开办认定为典型经验。"
        else:
            continue
        items.append(FeedItem(
            key=f"{kind}-{a['id']}", kind=kind, at=at, programme=codes[a["programme_id"]], activity=a["id"],
            title=f"【{_KIND_TITLES[kind]}】{a['unit__name']}：{a['theme']}", summary=summary,
        ))
    items.sort(key=lambda item: (item.at, item.key), reverse=True)
    return items[:limit]


# ------------------------------------------------------------------ sitemap

def sitemap_activities() -> list[tuple[str, int]]:
    """(programme code, activity id) of every public activity page (one query)."""
    return list(
        Declaration.objects.filter(programme__accepts_declarations=True, state__in=PUBLIC_STATES)
        .order_by("programme__code", "pk").values_list("programme__code", "pk")
    )


# ------------------------------------------------------------------ audit anchors

def audit_anchors() -> list[dict]:
    """Every audit checkpoint, oldest first, as published (time, events, chains, hash, signature)."""
    return [trail_anchors.anchor(cp) for cp in AuditCheckpoint.objects.order_by("id").only(
        "created_at", "events", "chains", "hash", "prev_hash", "signature")]
