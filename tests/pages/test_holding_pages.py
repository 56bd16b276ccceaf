"""The holding page (evidence, every publicity channel, photos), the summary page, the
flags the office sees, the exemplary marking and the evidence file URL — over HTTP, with
what another unit (and an anonymous visitor) can NOT reach."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tests.factories import SUMMARY
from tests.pages.conftest import login
from workflow import inbox, services
from workflow.evidence import Upload
from workflow.models import AuditEvent, Declaration, Evidence, State

pytestmark = pytest.mark.django_db


def png(name: str = "LOGO.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def task_url(client, user, declaration) -> str:
    task = inbox.open_tasks(user).get(declaration=declaration)
    if task.owner_id is None:
        assert client.post(f"/tasks/{task.pk}/", {"claim": "1"}).status_code == 302
    return f"/tasks/{task.pk}/"


def hold_data(world, unit=None, **overrides) -> dict:
    unit = unit or world.unit
    data = {
        "held_on": "2023-05-18", "place": "区政务服务中心", "p_citizen": "20", "p_enterprise": "5",
        "banner_used": world.programme.canonical_banner(unit.name), "logo_shown": "on",
        "pub_gov_website_url": "https://www.kaifu.gov.cn/a", "pub_gov_website_date": "2023-05-19",
        "fact_attendance": "25",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def files_in(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def assert_not_held(declaration, media_root) -> None:
    fresh = Declaration.objects.get(pk=declaration.pk)
    assert fresh.state == State.SCHEDULED and fresh.held_on is None and fresh.audit_seq == declaration.audit_seq
    assert not AuditEvent.objects.filter(action__in=["hold", "upload_evidence"]).exists()
    assert not Evidence.objects.exists() and files_in(media_root) == []


# ------------------------------------------------------------------ holding

def test_hold_with_every_channel_and_photos_in_one_submission(client, world, media_root):
    declaration = world.declaration("scheduled")
    login(client, world.operator)
    url = task_url(client, world.operator, declaration)
    page = client.get(url).content.decode()
    for words in ("新闻媒体宣传报道", "政府网站活动专栏", "政务新媒体活动消息", "现场LOGO照片", 'enctype="multipart/form-data"', "人大代表", "企业"):
        assert words in page, words
    response = client.post(url, hold_data(
        world, p_media="2",
        pub_news_media_url="https://news.example.cn/kaifu", pub_news_media_date="2023-05-18",
        pub_gov_new_media_url="https://mp.weixin.qq.com/s/x", pub_gov_new_media_date="2023-05-20",
        logo_photo=png(), pub_news_media_file=SimpleUploadedFile("报道.pdf", b"%PDF-1.4\n%%EOF\n"),
    ))
    assert response.status_code == 302
    held = Declaration.objects.get(pk=declaration.pk)
    assert held.state == State.HELD
    assert [(p["channel"], p["date"]) for p in held.publicity] == [
        ("news_media", "2023-05-18"), ("gov_website", "2023-05-19"), ("gov_new_media", "2023-05-20"),
    ]
    assert held.participants["media"] == 2 and held.form_facts == {"attendance": 25}
    assert sorted(Evidence.objects.values_list("kind", "channel")) == [("logo_photo", ""), ("publicity", "news_media")]
    assert len(files_in(media_root)) == 2

    detail = client.get(f"/declarations/{held.pk}/").content.decode()
    assert "https://mp.weixin.qq.com/s/x" in detail and "LOGO.png" in detail
    assert "宣传报道截图 · 新闻媒体宣传报道" in detail and "报道.pdf" in detail
    assert "未在安排月份举办" not in detail and "不在安排的" not in detail


@pytest.mark.parametrize("overrides, field, message", [
    ({"banner_used": "开福区教育局2023年政务服务开放日"}, "banner_used", "会标不得冠以“政务服务开放日”等名称（《实施方案》五(二)）"),
    ({"banner_used": "开福区卫生健康局2023年“政务公开主题日”活动"}, "banner_used", "会标中的单位名称“开福区卫生健康局”与填报单位“开福区教育局”不一致"),
    ({"pub_gov_website_url": "javascript:alert(1)"}, "pub_gov_website_url", "第1条宣传报道（政府网站活动专栏）的链接须以 http:// 或 https:// 开头。"),
    ({"pub_gov_website_url": "ftp://www.kaifu.gov.cn/a"}, "pub_gov_website_url", "的链接须以 http:// 或 https:// 开头。"),
    ({"pub_gov_website_url": None, "pub_gov_website_date": None}, "pub_news_media_url", "请至少登记一条宣传报道"),
    ({"logo_shown": None}, "logo_shown", "活动现场须设置、显示“政务公开主题日”LOGO醒目标识"),
    ({"logo_photo": "exe"}, "logo_photo", "“logo.jpg”不是图片或PDF文件"),
    ({"holding_photo": "html"}, "holding_photo", "“现场.png”不是图片或PDF文件"),
], ids=["forbidden-banner", "wrong-unit-banner", "javascript-url", "ftp-url", "no-publicity", "no-logo", "exe-as-jpg", "html-as-png"])
def test_hold_refusals_show_the_chinese_message_at_the_field_and_save_nothing(client, world, media_root, overrides, field, message):
    declaration = world.declaration("scheduled")
    files = {
        "exe": SimpleUploadedFile("logo.jpg", b"MZ\x90\x00" + b"\x00" * 64, content_type="image/jpeg"),
        "html": SimpleUploadedFile("现场.png", b"<!doctype html><script>alert(1)</script>", content_type="image/png"),
    }
    overrides = {k: files.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    login(client, world.operator)
    response = client.post(task_url(client, world.operator, declaration), hold_data(world, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in text for text in errors.get(field, [])), errors
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert_not_held(declaration, media_root)


def test_field_research_needs_a_deputy_member_expert_or_journalist(client, world, media_root):
    declaration = world.declaration("scheduled", form="field_research")
    login(client, world.operator)
    url = task_url(client, world.operator, declaration)
    response = client.post(url, hold_data(world, fact_attendance=None, fact_sites="马栏山视频文创园"))
    assert "“实地调研”须邀请人大代表、政协委员、专家学者、新闻媒体中至少一类人员参加（《实施方案》三）。" in response.context["form"].errors["p_npc_deputy"]
    assert_not_held(declaration, media_root)
    assert client.post(url, hold_data(world, p_expert="1", fact_attendance=None, fact_sites="马栏山视频文创园")).status_code == 302
    assert Declaration.objects.get(pk=declaration.pk).state == State.HELD


def test_a_survey_needs_its_responses_count(client, world, media_root):
    declaration = world.declaration("scheduled", form="survey")
    login(client, world.operator)
    url = task_url(client, world.operator, declaration)
    response = client.post(url, hold_data(world, fact_attendance=None))
    assert response.context["form"].errors["fact_responses"] == ["“问卷调查”须填写回收问卷数（不小于0的整数）。"]
    assert_not_held(declaration, media_root)
    assert client.post(url, hold_data(world, fact_attendance=None, fact_responses="312")).status_code == 302
    assert Declaration.objects.get(pk=declaration.pk).form_facts == {"responses": 312}


@pytest.mark.usefixtures("pages_built")
def test_holding_outside_the_scheduled_month_is_accepted_and_flagged_for_the_office(client, world, django_assert_num_queries):
    declaration = world.declaration("scheduled")  # May
    login(client, world.scheduler)
    with CaptureQueriesContext(connection) as captured:
        client.get("/declarations/")
    unflagged = len(captured)
    login(client, world.operator)
    response = client.post(task_url(client, world.operator, declaration), hold_data(world, held_on="2023-07-02"), follow=True)
    assert "已登记。活动于2023-07-02举办，不在安排的5月内，区政务公开办将看到此标注。" in response.content.decode()
    held = Declaration.objects.get(pk=declaration.pk)
    assert held.state == State.HELD and held.held_outside_schedule
    assert "2023-07-02举办，不在安排的5月内。" in client.get(f"/declarations/{held.pk}/").content.decode()

    login(client, world.scheduler)
    assert "未在安排月份举办" in client.get("/declarations/").content.decode()
    with django_assert_num_queries(unflagged):  # the flag reads no more rows
        client.get("/declarations/")
    flagged = client.get("/dashboard/")
    assert [d.pk for d in flagged.context["flagged"]] == [held.pk]
    assert "2023-07-02举办，不在安排的5月内。" in flagged.content.decode()


# ------------------------------------------------------------------ summary and exemplary

def test_summary_page_end_to_end_a_late_summary_is_accepted_and_flagged(client, world):
    declaration = world.declaration("held")  # held 2023-05-18: due 2023-06-02, long past
    login(client, world.operator)
    url = task_url(client, world.operator, declaration)
    assert "请于2023-06-02前提交。" in client.get(url).content.decode()
    missing = client.post(url, {**SUMMARY, "summary_experience": " "})
    assert missing.context["form"].errors["summary_experience"] == ["请填写活动总结的“经验”。"]
    assert Declaration.objects.get(pk=declaration.pk).state == State.HELD

    response = client.post(url, {**SUMMARY, "nominate": "on"}, follow=True)
    assert "总结应于2023-06-02前提交，已逾期" in response.content.decode()
    done = Declaration.objects.get(pk=declaration.pk)
    assert done.state == State.SUMMARIZED and done.nominated and done.summary_late
    assert "总结逾期：应于2023-06-02前提交。" in client.get(f"/declarations/{done.pk}/").content.decode()
    login(client, world.scheduler)
    assert [d.pk for d in client.get("/dashboard/").context["flagged"]] == [done.pk]
    assert "总结逾期" in client.get("/declarations/").content.decode()


def test_the_office_marks_an_exemplary_experience_from_the_detail_page(client, world):
    declaration = world.declaration("summarized")
    login(client, world.scheduler)
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert "认定为典型经验" in page
    response = client.post(f"/declarations/{declaration.pk}/exemplary/", {"exemplary": "1"}, follow=True)
    assert "已认定为典型经验。" in response.content.decode()
    assert Declaration.objects.get(pk=declaration.pk).exemplary
    event = AuditEvent.objects.get(action="mark_exemplary")
    assert event.actor == world.scheduler and event.changed == {"exemplary": [False, True]}
    assert "典型经验（区政务公开办认定）" in client.get(f"/declarations/{declaration.pk}/").content.decode()
    client.post(f"/declarations/{declaration.pk}/exemplary/", {"exemplary": "0"})
    assert not Declaration.objects.get(pk=declaration.pk).exemplary
    assert AuditEvent.objects.filter(action="mark_exemplary").count() == 2


def test_units_and_reviewers_may_not_mark_exemplary(client, world):
    declaration = world.declaration("summarized")
    login(client, world.operator)
    assert "认定为典型经验" not in client.get(f"/declarations/{declaration.pk}/").content.decode()
    refused = client.post(f"/declarations/{declaration.pk}/exemplary/", {"exemplary": "1"})
    assert refused.status_code == 403 and "只有区政务公开办统筹人员可以认定典型经验。" in refused.content.decode()
    login(client, world.reviewer)
    assert client.post(f"/declarations/{declaration.pk}/exemplary/", {"exemplary": "1"}).status_code == 403
    login(client, world.other_operator)
    assert client.post(f"/declarations/{declaration.pk}/exemplary/", {"exemplary": "1"}).status_code == 404
    assert not Declaration.objects.get(pk=declaration.pk).exemplary
    assert not AuditEvent.objects.filter(action="mark_exemplary").exists()


def test_marking_before_the_summary_is_a_conflict_message(client, world):
    declaration = world.declaration("held")
    login(client, world.scheduler)
    response = client.post(f"/declarations/{declaration.pk}/exemplary/", {"exemplary": "1"}, follow=True)
    assert "当前状态为“已举办”，只有已总结的活动可以认定为典型经验。" in response.content.decode()
    assert not AuditEvent.objects.filter(action="mark_exemplary").exists()


# ------------------------------------------------------------------ evidence on the detail page, and the file URL

def test_evidence_added_on_the_detail_page_and_read_back_only_by_who_may_see_it(client, world, media_root):
    declaration = world.declaration("held")
    login(client, world.operator)
    assert "上传举办证据" in client.get(f"/declarations/{declaration.pk}/").content.decode()
    response = client.post(f"/declarations/{declaration.pk}/evidence/", {"kind": "holding_photo", "file": png("合影.png")}, follow=True)
    assert "已上传举办证据：合影.png" in response.content.decode()
    item = Evidence.objects.get()
    url = f"/declarations/{declaration.pk}/evidence/{item.pk}/"
    own = client.get(url)
    assert own.status_code == 200 and own["Content-Type"] == "image/png" and own["Cache-Control"] == "private, max-age=0"
    assert b"".join(own.streaming_content) == (media_root / item.file.name).read_bytes()

    login(client, world.reviewer)  # the office sees submitted declarations and their evidence
    assert client.get(url).status_code == 200
    login(client, world.other_operator)
    assert client.get(url).status_code == 404
    assert client.get(f"/declarations/{declaration.pk}/").status_code == 404
    other = world.declaration("held", unit=world.other_unit)
    assert client.get(f"/declarations/{other.pk}/evidence/{item.pk}/").status_code == 404  # not that declaration's file
    refused = client.post(f"/declarations/{declaration.pk}/evidence/", {"kind": "holding_photo", "file": png()})
    assert refused.status_code == 404 and Evidence.objects.count() == 1
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get(f"/media/{item.file.name}").status_code == 404  # never served as a static file


def test_a_pdf_is_downloaded_as_an_attachment_with_its_display_name(client, world):
    declaration = world.declaration("held")
    [item] = services.evidence_upload(
        declaration=declaration, by=world.operator,
        uploads=[Upload(SimpleUploadedFile("新闻报道.pdf", b"%PDF-1.4\n%%EOF\n"), "publicity", channel="news_media")],
    )
    login(client, world.leader)
    response = client.get(f"/declarations/{declaration.pk}/evidence/{item.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "%E6%96%B0%E9%97%BB" in response["Content-Disposition"]


def test_a_wrong_file_on_the_detail_page_is_a_chinese_message_and_nothing_is_kept(client, world, media_root, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 64
    declaration = world.declaration("held")
    login(client, world.operator)
    big = client.post(f"/declarations/{declaration.pk}/evidence/", {"kind": "other", "file": SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 100)}, follow=True)
    assert "“a.pdf”大小为105 字节，超过了上传上限64 字节。" in big.content.decode()
    html = client.post(f"/declarations/{declaration.pk}/evidence/", {"kind": "other", "file": SimpleUploadedFile("a.html", b"<html></html>")}, follow=True)
    assert "“a.html”不是图片或PDF文件" in html.content.decode()
    assert not Evidence.objects.exists() and files_in(media_root) == []
    assert not AuditEvent.objects.filter(action="upload_evidence").exists()


def test_no_upload_after_the_summary_and_not_by_the_office(client, world):
    declaration = world.declaration("summarized")
    login(client, world.operator)
    assert "上传举办证据" not in client.get(f"/declarations/{declaration.pk}/").content.decode()
    late = client.post(f"/declarations/{declaration.pk}/evidence/", {"kind": "other", "file": png()}, follow=True)
    assert "只有已排期或已举办（提交总结前）的活动可以上传举办证据" in late.content.decode()
    login(client, world.scheduler)
    assert client.post(f"/declarations/{declaration.pk}/evidence/", {"kind": "other", "file": png()}).status_code == 403
    assert not Evidence.objects.exists()


def test_the_detail_page_reads_evidence_in_a_fixed_number_of_queries(client, world):
    declaration = world.declaration("held")
    login(client, world.operator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/declarations/{declaration.pk}/").status_code == 200
        return len(captured)

    services.evidence_upload(declaration=declaration, by=world.operator, uploads=[Upload(png(), "logo_photo")])
    one = queries()
    services.evidence_upload(declaration=declaration, by=world.leader, uploads=[Upload(png(f"{n}.png"), "holding_photo") for n in range(4)])
    assert queries() == one
