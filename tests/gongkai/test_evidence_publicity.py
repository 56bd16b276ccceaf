"""Marking a photo public or private (issue 19): an audited action of the unit (operator, leader)
or the office, on the declaration page; the public sees a public photo once the activity is held,
through a view that checks the mark and the state (never MEDIA_URL)."""
from __future__ import annotations

import pytest

from tests.factories import evidence as holding
from tests.gongkai.conftest import pdf, png
from tests.pages.conftest import login
from workflow import services
from workflow.errors import NotFound, PermissionRefused, RuleViolation
from workflow.evidence import Upload
from workflow.models import AuditEvent, Declaration
from workflow.publicity import evidence_set_public
from workflow.trail.verify import verify

CODE = "kaifu-2023"


@pytest.fixture
def held(world):
    """教育局's activity held, with a photo and a PDF (both private)."""
    d = world.declaration("scheduled")
    photo, document = services.evidence_upload(declaration=d, by=world.operator,
                                               uploads=[Upload(png("现场.png"), "holding_photo"), Upload(pdf(), "other")])
    d = services.declaration_hold(declaration=Declaration.objects.get(pk=d.pk), by=world.operator,
                                  evidence=holding(world.programme, world.unit))
    return d, photo, document


def photo_url(d, item) -> str:
    return f"/gongkai/{CODE}/activities/{d.pk}/photos/{item.pk}.png"


def test_the_unit_and_the_office_mark_a_photo_public_and_each_mark_is_audited(world, held):
    d, photo, _document = held
    for who, public in ((world.operator, True), (world.leader, False), (world.reviewer, True), (world.scheduler, False)):
        assert evidence_set_public(declaration=d, evidence_id=photo.pk, by=who, public=public).public is public
    events = AuditEvent.objects.filter(declaration=d, action="evidence_publicity").order_by("seq")
    assert [(e.actor, e.changed) for e in events] == [
        (world.operator, {"evidence": photo.pk, "public": [False, True]}), (world.leader, {"evidence": photo.pk, "public": [True, False]}),
        (world.reviewer, {"evidence": photo.pk, "public": [False, True]}), (world.scheduler, {"evidence": photo.pk, "public": [True, False]}),
    ]
    evidence_set_public(declaration=d, evidence_id=photo.pk, by=world.operator, public=False)  # already private: no event
    assert events.count() == 4 and verify().ok


def test_others_may_not_mark_and_only_photos_may_be_public(world, held):
    d, photo, document = held
    with pytest.raises(PermissionRefused):
        evidence_set_public(declaration=d, evidence_id=photo.pk, by=world.assessor, public=True)
    for who in (world.other_operator, world.administrator):
        with pytest.raises(NotFound):
            evidence_set_public(declaration=d, evidence_id=photo.pk, by=who, public=True)
    with pytest.raises(NotFound):
        evidence_set_public(declaration=d, evidence_id=999999, by=world.operator, public=True)
    with pytest.raises(RuleViolation) as refused:
        evidence_set_public(declaration=d, evidence_id=document.pk, by=world.operator, public=True)
    assert "只公开照片" in refused.value.message
    assert not AuditEvent.objects.filter(action="evidence_publicity").exists()


def test_the_declaration_page_toggles_the_mark(client, world, held, committed):
    d, photo, _document = held
    login(client, world.operator)
    page = client.get(f"/declarations/{d.pk}/").content.decode()
    assert f'action="/declarations/{d.pk}/evidence/{photo.pk}/public/"' in page and "在专栏公开" in page
    assert client.get(photo_url(d, photo)).status_code == 404
    with committed():
        response = client.post(f"/declarations/{d.pk}/evidence/{photo.pk}/public/", {"public": "1"}, follow=True)
    assert "已在专栏公开" in response.content.decode() and "取消公开" in response.content.decode()
    client.logout()
    shown = client.get(photo_url(d, photo))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["ETag"] == f'"{photo.sha256}"' and shown["Cache-Control"] == "public, max-age=60"
    assert "现场" not in shown["Content-Disposition"]  # the uploaded name is never shown
    assert client.get(photo_url(d, photo), HTTP_IF_NONE_MATCH=shown["ETag"]).status_code == 304
    assert f'src="{photo_url(d, photo)}"' in client.get(f"/gongkai/{CODE}/activities/{d.pk}/").content.decode()

    login(client, world.assessor)
    refused = client.post(f"/declarations/{d.pk}/evidence/{photo.pk}/public/", {"public": "0"})
    assert refused.status_code == 403
    login(client, world.other_operator)
    assert client.post(f"/declarations/{d.pk}/evidence/{photo.pk}/public/", {"public": "0"}).status_code == 404
    login(client, world.leader)
    with committed():
        client.post(f"/declarations/{d.pk}/evidence/{photo.pk}/public/", {"public": "0"})
    client.logout()
    assert client.get(photo_url(d, photo)).status_code == 404  # withdrawn: gone at once


def test_a_public_photo_of_an_activity_not_yet_held_is_not_shown(client, world):
    d = world.declaration("scheduled")
    [photo] = services.evidence_upload(declaration=d, by=world.operator, uploads=[Upload(png(), "logo_photo")])
    evidence_set_public(declaration=d, evidence_id=photo.pk, by=world.operator, public=True)
    assert client.get(photo_url(d, photo)).status_code == 404
    assert client.get(f"/media/{photo.file.name}").status_code == 404  # never served from MEDIA_URL
