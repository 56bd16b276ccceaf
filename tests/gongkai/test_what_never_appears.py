"""What the public sees, and nothing else (issue 19): one declaration walked through every state,
every field holding a marker; at each step every public page and feed is read and the markers it
shows are compared with what that state makes public. A second unit's draft, a declaration
cancelled after it was scheduled and a private photo run beside it.

Between the steps the column is never cleared by hand: each page shows the new state because the
step's service gave the scopes it changed new versions (`workflow.publication`)."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.factories import BEFORE_DEADLINE, UnitFactory, person
from tests.gongkai.conftest import pdf, png
from units.roles import Role
from workflow import services
from workflow.evidence import Upload
from workflow.models import AuditCheckpoint, AuditEvent, Declaration, Evidence
from workflow.publicity import evidence_set_public
from workflow.releases import assessment_release
from workflow.trail.checkpoints import checkpoint

# Markers in every field a unit or the office writes; PUBLIC_* may show, SECRET_* never.
THEME, DESCRIPTION = "惠企政策面对面THEMEMARK", "邀请企业代表座谈DESCMARK"
PLACE, COUNT, URL = "区政务服务中心PLACEMARK", 137, "https://www.kaifu.gov.cn/PUBURLMARK"
PRACTICE, EFFECT, EXPERIENCE = "座谈交流PRACTICEMARK", "收集建议EFFECTMARK", "闭环办理EXPERIENCEMARK"
SECRETS = {
    "banner": "BANNERMARK", "banner_used": "BANNERUSEDMARK", "contact_name": "张CONTACTMARK", "contact_phone": "84390977",
    "return_reason": "RETURNMARK", "withdraw_reason": "WITHDRAWMARK", "reschedule_reason": "RESCHEDULEMARK",
    "cancel_reason": "CANCELMARK", "evaluation_comment": "COMMENTMARK", "form_fact": "FACTMARK",
    "private_photo_name": "PRIVATEPHOTOMARK", "public_photo_name": "PUBLICPHOTOMARK", "pdf_name": "PDFMARK",
    "draft_theme": "DRAFTMARK", "cancelled_theme": "CANCELLEDMARK", "extension_reason": "EXTENSIONMARK",
    "email": "@people.example.cn",
}


@pytest.fixture
def people(world):
    """Every person with a name and an e-mail address that must never show."""
    for role, user in (("op", world.operator), ("lead", world.leader), ("rev", world.reviewer), ("sch", world.scheduler),
                       ("ass", world.assessor), ("hop", world.other_operator), ("hlead", world.other_leader)):
        user.first_name, user.last_name, user.email = f"姓名{role.upper()}NAME", "某", f"{role}{SECRETS['email']}"
        user.save()
        SECRETS[f"name_{role}"] = f"姓名{role.upper()}NAME"
        SECRETS[f"username_{role}"] = f">{user.username}<"  # as a whole word in a page
    return world


def public_pages(client, declaration: Declaration, photos: dict[str, Evidence]) -> dict[str, tuple[int, str]]:
    """Every public page and feed: {name: (status, text)}; spreadsheets as the text of their cells."""
    code = declaration.programme.code
    urls = {
        "index": "/gongkai/", "plan": f"/gongkai/{code}/", "xlsx": f"/gongkai/{code}/plan.xlsx",
        "activity": f"/gongkai/{code}/activities/{declaration.pk}/", "exemplary": f"/gongkai/{code}/exemplary/",
        "results": f"/gongkai/{code}/results/", "rss": "/gongkai/feed.xml", "json": "/gongkai/feed.json",
        "embed": "/gongkai/embed/", "snippet": "/gongkai/embed/snippet.html", "sitemap": "/gongkai/sitemap.xml",
        "anchors": "/gongkai/audit-anchors/", "anchors_json": "/gongkai/audit-anchors.json", "robots": "/robots.txt",
        **{f"photo_{name}": f"/gongkai/{code}/activities/{declaration.pk}/photos/{item.pk}.{'pdf' if name == 'pdf' else 'png'}"
           for name, item in photos.items()},
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        if name == "xlsx" and response.status_code == 200:
            sheet = load_workbook(io.BytesIO(response.content)).active
            text = "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)
        elif name.startswith("photo_"):
            text = ""
        else:
            text = response.content.decode()
        pages[name] = (response.status_code, text)
    return pages


PUBLIC_MARKERS = {"theme": THEME, "description": DESCRIPTION, "place": PLACE, "url": URL, "practice": PRACTICE,
                  "effect": EFFECT, "experience": EXPERIENCE}


def found(text: str) -> set[str]:
    return {name for name, marker in PUBLIC_MARKERS.items() if marker in text}


def assert_public_exactly(pages, *, planned: bool, held: bool, exemplary: bool, photos: dict[str, Evidence],
                          public_photo: bool, results_shown: bool, event_hashes: list[str]) -> None:
    """What each page may show in this state, and that it shows nothing else."""
    expected_activity = set()
    if planned:
        expected_activity |= {"theme", "description"}
    if held:
        expected_activity |= {"place", "url"}
    if exemplary:
        expected_activity |= {"practice", "effect", "experience"}
    status, activity = pages["activity"]
    assert (status == 200) == planned
    assert found(activity) == expected_activity
    assert found(pages["plan"][1]) == ({"theme", "description"} if planned else set())
    assert found(pages["xlsx"][1]) == ({"theme", "description"} if planned else set())
    assert found(pages["exemplary"][1]) == ({"theme", "practice", "effect", "experience"} if exemplary else set())
    for feed in ("rss", "json", "embed", "snippet"):
        assert found(pages[feed][1]) <= {"theme", "description", "place"}, feed
        assert ("theme" in found(pages[feed][1])) == planned, feed
    for name in ("index", "sitemap", "anchors", "anchors_json", "robots", "results"):
        assert found(pages[name][1]) == set(), name
    assert (f"{COUNT}" in activity) == held
    # Photos: the public one once held, never the private one, never a PDF.
    for name, item in photos.items():
        shown = name == "public" and public_photo and held
        assert (pages[f"photo_{name}"][0] == 200) == shown, name
        assert (f"/photos/{item.pk}." in activity) == shown, name
    # Results: only where public and released; the unit's evaluation never before.
    assert (pages["results"][0] == 200) == results_shown
    for name, (_status, text) in pages.items():
        for secret, marker in SECRETS.items():
            assert marker not in text, f"{secret} shown on {name}"
        for value in event_hashes:
            assert value not in text, f"an audit event's hash shown on {name}"


def test_every_state_and_every_field_shows_exactly_what_the_public_may_see(client, people, committed, settings):
    world = people
    programme, unit = world.programme, world.unit
    fields = {
        "theme": THEME, "month": 5, "form": "policy_release", "focus_topic": "business_environment", "description": DESCRIPTION,
        "banner": programme.canonical_banner(unit.name) + "暨BANNERMARK政策发布会", "contact_name": SECRETS["contact_name"],
        "contact_phone": "0731-" + SECRETS["contact_phone"],
    }
    photos: dict[str, Evidence] = {}
    state = {"planned": False, "held": False, "exemplary": False, "public_photo": False, "results_shown": False}

    def check():
        pages = public_pages(client, Declaration.objects.get(pk=d.pk), photos)
        hashes = list(AuditEvent.objects.values_list("hash", flat=True))
        assert_public_exactly(pages, photos=photos, event_hashes=hashes, **state)

    # Beside it: another unit's draft, and an activity scheduled then cancelled (never public again).
    other = UnitFactory(code="kf-side", name="开福区旁证局", short_name="")
    side_op, side_lead = person("side-op", Role.OPERATOR, other), person("side-lead", Role.LEADER, other)
    with committed():
        services.declaration_create(programme=programme, unit=world.other_unit, by=world.other_operator,
                                    data={"theme": SECRETS["draft_theme"], "contact_name": SECRETS["contact_name"]})
        gone = world.declaration("scheduled", unit=other, people=(side_op, side_lead), theme=SECRETS["cancelled_theme"])
        services.declaration_cancel(declaration=gone, by=world.reviewer, reason=SECRETS["cancel_reason"])
        services.deadline_extension_grant(programme=programme, unit=unit, until=BEFORE_DEADLINE.date().replace(year=2099),
                                          reason=SECRETS["extension_reason"], by=world.reviewer)
        d = services.declaration_create(programme=programme, unit=unit, by=world.operator, data=fields)
    check()  # drafted

    with committed():
        d = services.declaration_submit(declaration=d, by=world.leader, now=BEFORE_DEADLINE)
    check()  # submitted
    with committed():
        d = services.declaration_withdraw(declaration=d, by=world.leader, reason=SECRETS["withdraw_reason"])
        d = services.declaration_submit(declaration=d, by=world.leader, now=BEFORE_DEADLINE)
        d = services.declaration_return(declaration=d, by=world.reviewer, reason=SECRETS["return_reason"])
    check()  # returned with a reason
    with committed():
        d = services.declaration_submit(declaration=d, by=world.leader, now=BEFORE_DEADLINE)
        d = services.declaration_approve(declaration=d, by=world.reviewer)
    check()  # reviewed, not yet scheduled

    with committed():
        services.schedule_publish(programme=programme, by=world.scheduler, months={d.pk: 5})
        d = Declaration.objects.get(pk=d.pk)
    state["planned"] = True
    check()  # scheduled: the plan, the activity page and the feeds
    with committed():
        d = services.declaration_reschedule(declaration=d, by=world.scheduler, month=6, reason=SECRETS["reschedule_reason"])
        uploads = [Upload(png(f"{SECRETS['private_photo_name']}.png"), "holding_photo"),
                   Upload(png(f"{SECRETS['public_photo_name']}.png", "blue"), "logo_photo"),
                   Upload(pdf(f"{SECRETS['pdf_name']}.pdf"), "other")]
        private, public, document = services.evidence_upload(declaration=d, by=world.operator, uploads=uploads)
        photos.update(private=private, public=public, pdf=document)
        evidence_set_public(declaration=d, evidence_id=public.pk, by=world.operator, public=True)
    state["public_photo"] = True
    check()  # rescheduled; a photo marked public is still not shown before the activity is held

    with committed():
        d = services.declaration_hold(declaration=Declaration.objects.get(pk=d.pk), by=world.operator, evidence={
            "held_on": "2023-06-18", "place": PLACE, "participants": {"citizen": COUNT, "enterprise": 5},
            "banner_used": programme.canonical_banner(unit.name) + "暨BANNERUSEDMARK政策发布会", "logo_shown": True,
            "publicity": [{"channel": "gov_website", "url": URL, "date": "2023-06-19"}],
            "form_facts": {"document": SECRETS["form_fact"], "interpretation": SECRETS["form_fact"]},
        })
    state["held"] = True
    check()  # held: date, place, participants, publicity, the public photo

    with committed():
        d = services.declaration_summarize(declaration=d, by=world.operator, nominate=True,
                                           summary={"summary_practice": PRACTICE, "summary_effect": EFFECT, "summary_experience": EXPERIENCE})
    check()  # summarized and nominated: the summary is not public yet
    with committed():
        d = services.declaration_mark_exemplary(declaration=d, by=world.scheduler)
    state["exemplary"] = True
    check()  # exemplary: 做法/成效/经验 on its page and the 典型经验 page
    with committed():
        d = services.declaration_evaluate(declaration=d, by=world.assessor, scores={"quality": 7}, comment=SECRETS["evaluation_comment"])
        checkpoint()
    check()  # evaluated: no score anywhere (results not public, nothing released)

    with committed():
        assessment_release(programme=programme, by=world.reviewer)
    check()  # released, but the programme keeps its results private
    programme.results_public = True
    programme.save(update_fields=["results_public"])
    with committed():
        from workflow import publication

        publication.changed(publication.programme(programme.code), publication.PROGRAMMES)  # as the admin's save does
    state["results_shown"] = True
    check()
    results = client.get(f"/gongkai/{programme.code}/results/").content.decode()
    assert "开福区教育局" in results and re.search(r"<strong>\d+(\.\d+)?</strong>", results)

    with committed():
        evidence_set_public(declaration=d, evidence_id=photos["public"].pk, by=world.scheduler, public=False)
        d = services.declaration_mark_exemplary(declaration=d, by=world.scheduler, exemplary=False)
    state["public_photo"] = state["exemplary"] = False
    check()  # the office withdrew the mark and the photo: gone at once
    assert AuditCheckpoint.objects.exists()
