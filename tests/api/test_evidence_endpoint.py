"""GET/POST /api/declarations/{id}/evidence/: the same service and refusals as the pages."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from workflow.models import AuditEvent, Evidence

pytestmark = pytest.mark.django_db


def png(name: str = "现场.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def url(declaration) -> str:
    return f"/api/declarations/{declaration.pk}/evidence/"


def test_the_unit_uploads_and_lists_its_evidence(api, extended):
    declaration = extended.declaration("held")
    response = api(extended.operator).post(url(declaration), {"file": png(), "kind": "logo_photo"}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["kind_label"], body["original_name"], body["content_type"]) == ("logo_photo", "LOGO现场照片", "现场.png", "image/png")
    assert AuditEvent.objects.filter(action="upload_evidence", declaration=declaration).count() == 1
    listed = api(extended.reviewer).get(url(declaration))
    assert listed.status_code == 200 and [e["id"] for e in listed.json()] == [body["id"]]
    detail = api(extended.operator).get(f"/api/declarations/{declaration.pk}/").json()
    assert detail["held_outside_schedule"] is False and detail["summary_late"] is True  # held 2023-05-18, not summarized


def test_refusals_answer_like_the_other_endpoints_and_save_nothing(api, extended, media_root):
    held = extended.declaration("held")
    drafted = extended.declaration("drafted", unit=extended.other_unit)
    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 32, content_type="image/jpeg")
    wrong_type = api(extended.operator).post(url(held), {"file": exe, "kind": "logo_photo"}, format="multipart")
    assert wrong_type.status_code == 400
    assert wrong_type.json() == {"file": ["“photo.jpg”不是图片或PDF文件：举办证据只接受JPEG、PNG、GIF、WebP图片或PDF文件。"]}
    assert api(extended.operator).post(url(held), {"file": png(), "kind": "publicity"}, format="multipart").json()["channel"][0].startswith("宣传报道截图须注明宣传渠道")
    assert api(extended.scheduler).post(url(held), {"file": png(), "kind": "other"}, format="multipart").status_code == 403
    assert api(extended.other_operator).post(url(held), {"file": png(), "kind": "other"}, format="multipart").status_code == 404
    assert api(extended.other_operator).get(url(held)).status_code == 404
    assert api(extended.operator).get(url(drafted)).status_code == 404
    conflict = api(extended.other_operator).post(url(drafted), {"file": png(), "kind": "other"}, format="multipart")
    assert conflict.status_code == 409 and "只有已排期或已举办（提交总结前）的活动可以上传举办证据" in conflict.json()["detail"]
    assert api().get(url(held)).status_code == 401
    assert not Evidence.objects.exists() and not AuditEvent.objects.filter(action="upload_evidence").exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))
