"""The public column in Chromium (issue 19): a citizen on a phone, not logged in, reads the plan
and an activity; headings in order, alt text on every photo, text contrast to WCAG 2.1 AA, every
link reachable by keyboard with a visible focus, and a printout without the navigation."""
from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.browser.conftest import ARTIFACTS
from tests.factories import SUMMARY, evidence
from workflow import services
from workflow.evidence import Upload
from workflow.models import Declaration
from workflow.publicity import evidence_set_public

pytestmark = pytest.mark.browser

# Every element with its own text: its colour against the first opaque background behind it.
CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const failures = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === 'hidden' || style.display === 'none' || !el.getClientRects().length) continue;
    if (el.closest('.skip') && document.activeElement !== el) continue;  // shown only while focused
    const a = lum(rgb(style.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 20)}"`);
  }
  return failures;
}"""

OUTLINE = """() => {
  const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => Number(h.tagName[1]));
  const images = [...document.querySelectorAll('img')].map((img) => img.getAttribute('alt'));
  return {levels, images, lang: document.documentElement.lang, scroll: document.documentElement.scrollWidth};
}"""


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "navy").save(buffer, "PNG")
    return SimpleUploadedFile("现场.png", buffer.getvalue(), content_type="image/png")


def assert_readable(page) -> None:
    found = page.evaluate(OUTLINE)
    assert found["lang"] == "zh-Hans" and found["levels"][0] == 1 and found["levels"].count(1) == 1
    assert all(b <= a + 1 for a, b in zip(found["levels"], found["levels"][1:], strict=False)), found["levels"]
    assert all(found["images"]), "an image without alt text"
    assert found["scroll"] <= 390, "the page scrolls sideways on a phone"
    assert page.evaluate(CONTRAST) == []


def tab_through(page, limit: int = 60) -> list[str]:
    """Press Tab until the focus comes back round; each focused element must show its focus."""
    reached = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const el = document.activeElement; const s = getComputedStyle(el);
            return {href: el.getAttribute('href'), tag: el.tagName, outline: s.outlineStyle, shadow: s.boxShadow}; }""")
        if focused["tag"] == "BODY" or (reached and focused["href"] == reached[0]):
            break
        assert focused["outline"] != "none" or focused["shadow"] != "none", focused
        reached.append(focused["href"])
    return reached


def test_a_citizen_on_a_phone_reads_the_plan_and_an_activity(live_server, year, chromium):
    w = year
    cache.clear()
    edu = w.declaration("scheduled")
    [photo] = services.evidence_upload(declaration=edu, by=w.operator, uploads=[Upload(png(), "holding_photo")])
    evidence_set_public(declaration=edu, evidence_id=photo.pk, by=w.operator, public=True)
    w.declaration("held", unit=w.other_unit)  # another activity, held
    d = Declaration.objects.get(unit=w.unit)
    d = services.declaration_hold(declaration=d, by=w.operator, evidence=evidence(w.programme, w.unit))
    d = services.declaration_summarize(declaration=d, by=w.operator, summary=SUMMARY)
    services.declaration_mark_exemplary(declaration=d, by=w.scheduler)

    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/gongkai/")
    assert page.url.endswith("/gongkai/kaifu-2023/") and page.inner_text("h1") == "2023年政务公开主题日活动计划"
    assert "开福区教育局" in page.inner_text("main") and "登录" not in page.inner_text("body")
    assert_readable(page)
    page.screenshot(path=str(ARTIFACTS / "public-plan.png"), full_page=True)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    reached = tab_through(page)
    assert f"/gongkai/kaifu-2023/activities/{d.pk}/" in reached and "/gongkai/feed.xml" in reached

    page.click(f"a[href='/gongkai/kaifu-2023/activities/{d.pk}/']")
    assert page.inner_text("h1") == d.theme
    image = page.locator("figure img")
    assert image.count() == 1 and "开福区教育局" in image.get_attribute("alt")
    image.scroll_into_view_if_needed()  # loading="lazy": fetched once near the screen
    page.wait_for_function("() => { const img = document.querySelector('figure img'); return img.complete && img.naturalWidth > 0; }")
    assert page.evaluate("document.querySelector('figure img').naturalWidth") == 64  # the photo loads
    assert "做法" in page.inner_text("main") and SUMMARY["summary_effect"] in page.inner_text("main")
    assert_readable(page)
    page.screenshot(path=str(ARTIFACTS / "public-activity.png"), full_page=True)

    page.emulate_media(media="print")
    assert not page.locator("header.site nav").is_visible() and not page.locator("footer.site").is_visible()
    assert page.locator("h1").is_visible()
    context.close()
