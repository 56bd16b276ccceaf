"""Evidence uploads through the services: what is accepted, how it is stored, and that a
refusal leaves nothing behind (no row, no audit event, no file)."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from policies.rules import SHANGHAI
from tests.factories import evidence as holding_evidence
from workflow import services
from workflow.errors import NotFound, PermissionRefused, RuleViolation, TransitionConflict
from workflow.evidence import Upload
from workflow.models import AuditEvent, Declaration, Evidence, State
from workflow.trail.verify import verify

pytestmark = pytest.mark.django_db


def png(name: str = "现场.png", size: tuple[int, int] = (8, 6)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name: str = "报道.pdf", padding: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + b"0" * padding + b"\n%%EOF\n", content_type="application/pdf")


def stored_files(media_root) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def assert_nothing_saved(declaration: Declaration, media_root) -> None:
    fresh = Declaration.objects.get(pk=declaration.pk)
    assert fresh.audit_seq == declaration.audit_seq and fresh.state == declaration.state
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="upload_evidence").exists()
    assert stored_files(media_root) == []


def test_a_photo_is_stored_under_a_generated_name_and_audited(world, media_root):
    declaration = world.declaration("scheduled")
    [item] = services.evidence_upload(
        declaration=declaration, by=world.operator, uploads=[Upload(png("../../etc/现场 LOGO.PNG"), "logo_photo")],
    )
    assert item.original_name == "现场 LOGO.PNG"  # display text only, without the path
    assert re.fullmatch(rf"evidence/{declaration.pk}/[0-9a-f]{{32}}\.png", item.file.name)
    assert stored_files(media_root) == [item.file.name]
    assert (item.content_type, item.unit, item.uploaded_by) == ("image/png", world.unit, world.operator)
    event = AuditEvent.objects.get(action="upload_evidence")
    assert event.declaration_id == declaration.pk and event.changed["evidence"]["sha256"] == item.sha256
    assert event.from_state == event.to_state == State.SCHEDULED
    assert verify().ok


def test_a_pdf_is_accepted_by_its_header_and_a_publicity_screenshot_names_its_channel(world):
    declaration = world.declaration("held")
    [item] = services.evidence_upload(
        declaration=declaration, by=world.leader, uploads=[Upload(pdf("报道.PDF"), "publicity", channel="news_media")],
    )
    assert item.content_type == "application/pdf" and item.file.name.endswith(".pdf") and item.channel == "news_media"


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, content_type="image/jpeg"), "“photo.jpg”不是图片或PDF文件：举办证据只接受JPEG、PNG、GIF、WebP图片或PDF文件。"),
    (SimpleUploadedFile("报道.png", b"<html><script>alert(1)</script></html>", content_type="image/png"), "“报道.png”不是图片或PDF文件"),
    (SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', content_type="image/svg+xml"), "“logo.svg”不是图片或PDF文件"),
    (SimpleUploadedFile("cut.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, content_type="image/png"), "“cut.png”不是图片或PDF文件"),
    (SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"), "“empty.pdf”是空文件，请重新选择。"),
], ids=["exe-renamed-jpg", "html", "svg", "truncated-png", "empty"])
def test_a_file_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_saved(world, media_root, upload, message):
    declaration = world.declaration("scheduled")
    with pytest.raises(RuleViolation) as refused:
        services.evidence_upload(declaration=declaration, by=world.operator, uploads=[Upload(upload, "holding_photo")])
    assert message in refused.value.by_field()["file"][0]
    assert_nothing_saved(declaration, media_root)


def test_a_file_over_the_limit_from_settings_is_refused(world, media_root, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    declaration = world.declaration("scheduled")
    with pytest.raises(RuleViolation) as refused:
        services.evidence_upload(declaration=declaration, by=world.operator, uploads=[Upload(pdf("大文件.pdf", padding=1100), "other")])
    assert refused.value.by_field()["file"] == ["“大文件.pdf”大小为1.1 KB，超过了上传上限1.0 KB。"]
    assert_nothing_saved(declaration, media_root)
    [item] = services.evidence_upload(declaration=declaration, by=world.operator, uploads=[Upload(pdf(padding=900), "other")])
    assert item.size <= 1024


def test_a_batch_is_all_or_nothing(world, media_root):
    declaration = world.declaration("scheduled")
    bad = SimpleUploadedFile("virus.gif", b"GIF89a-not-really", content_type="image/gif")
    with pytest.raises(RuleViolation):
        services.evidence_upload(declaration=declaration, by=world.operator, uploads=[Upload(png(), "logo_photo"), Upload(bad, "holding_photo")])
    assert_nothing_saved(declaration, media_root)


def test_a_failure_after_the_file_was_stored_removes_the_file(world, media_root, monkeypatch):
    declaration = world.declaration("scheduled")

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("workflow.evidence.audit.record", broken)
    with pytest.raises(RuntimeError):
        services.evidence_upload(declaration=declaration, by=world.operator, uploads=[Upload(png(), "logo_photo")])
    assert_nothing_saved(declaration, media_root)


def test_kind_and_channel_are_checked(world, media_root):
    declaration = world.declaration("scheduled")
    with pytest.raises(RuleViolation) as refused:
        services.evidence_upload(declaration=declaration, by=world.operator, uploads=[Upload(png(), "publicity")])
    assert refused.value.by_field()["channel"] == ["宣传报道截图须注明宣传渠道：新闻媒体宣传报道、政府网站活动专栏、政务新媒体活动消息。"]
    with pytest.raises(RuleViolation) as refused:
        services.evidence_upload(declaration=declaration, by=world.operator, uploads=[Upload(png(), "selfie")])
    assert "“selfie”不是规定的证据类别" in refused.value.by_field()["kind"][0]
    assert_nothing_saved(declaration, media_root)


def test_only_the_units_people_upload_and_only_before_the_summary(world, media_root):
    scheduled = world.declaration("scheduled")
    with pytest.raises(NotFound):
        services.evidence_upload(declaration=scheduled, by=world.other_operator, uploads=[Upload(png(), "logo_photo")])
    with pytest.raises(PermissionRefused, match="只有本单位的填报人或负责人可以上传举办证据。"):
        services.evidence_upload(declaration=scheduled, by=world.scheduler, uploads=[Upload(png(), "logo_photo")])
    assert_nothing_saved(scheduled, media_root)

    summarized = world.declaration("summarized", unit=world.other_unit)
    with pytest.raises(TransitionConflict, match="当前状态为“已总结”：只有已排期或已举办（提交总结前）的活动可以上传举办证据。"):
        services.evidence_upload(declaration=summarized, by=world.other_operator, uploads=[Upload(png(), "logo_photo")])
    assert_nothing_saved(summarized, media_root)


def test_hold_with_photos_stores_them_in_the_same_transaction(world, media_root):
    declaration = world.declaration("scheduled")
    held = services.declaration_hold(
        declaration=declaration, by=world.operator, evidence=holding_evidence(world.programme, world.unit),
        uploads=[Upload(png(), "logo_photo", field="logo_photo"), Upload(pdf(), "publicity", channel="gov_website", field="pub_gov_website_file")],
    )
    assert held.state == State.HELD
    assert [e.kind for e in held.evidence.order_by("pk")] == ["logo_photo", "publicity"]
    assert list(AuditEvent.objects.filter(declaration=held).order_by("seq").values_list("action", flat=True))[-3:] == [
        "hold", "upload_evidence", "upload_evidence",
    ]
    assert len(stored_files(media_root)) == 2 and verify().ok


def test_a_refused_hold_lists_the_file_problem_with_the_others_and_stores_nothing(world, media_root):
    declaration = world.declaration("scheduled")
    fake = SimpleUploadedFile("logo.jpg", b"MZ not a photo", content_type="image/jpeg")
    with pytest.raises(RuleViolation) as refused:
        services.declaration_hold(
            declaration=declaration, by=world.operator,
            evidence=holding_evidence(world.programme, world.unit, banner_used="开福区教育局2023年“政务服务开放日”活动"),
            uploads=[Upload(fake, "logo_photo", field="logo_photo")],
        )
    fields = refused.value.by_field()
    assert "会标不得冠以“政务服务开放日”等名称" in fields["banner_used"][0]
    assert "“logo.jpg”不是图片或PDF文件" in fields["logo_photo"][0]
    assert_nothing_saved(declaration, media_root)
    assert not AuditEvent.objects.filter(action="hold").exists()


def test_flags_held_outside_the_scheduled_month_and_late_summary(world):
    on_time = world.declaration("scheduled")  # scheduled for May
    held = services.declaration_hold(declaration=on_time, by=world.operator, evidence=holding_evidence(world.programme, world.unit, held_on="2023-05-18"))
    assert not held.held_outside_schedule and held.summary_due_on == dt.date(2023, 6, 2)
    summarized = services.declaration_summarize(
        declaration=held, by=world.operator, summary={"summary_practice": "a", "summary_effect": "b", "summary_experience": "c"},
        now=dt.datetime(2023, 6, 2, 23, 0, tzinfo=SHANGHAI),
    )
    assert not summarized.summary_late

    other = world.declaration("scheduled", unit=world.other_unit)
    moved = services.declaration_hold(declaration=other, by=world.other_operator, evidence=holding_evidence(world.programme, world.other_unit, held_on="2023-07-02"))
    assert moved.state == State.HELD and moved.held_outside_schedule
    assert moved.summary_late  # held in 2023, still not summarized: overdue today
    late = services.declaration_summarize(
        declaration=moved, by=world.other_operator, summary={"summary_practice": "a", "summary_effect": "b", "summary_experience": "c"},
        now=dt.datetime(2023, 7, 18, 0, 30, tzinfo=SHANGHAI),
    )
    assert late.state == State.SUMMARIZED and late.summary_late
