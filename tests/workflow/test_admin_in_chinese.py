"""The admin speaks Chinese throughout (issue 22): every app and model heading, column,
field label, help text, action and button of every admin page an administrator opens."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import admin_user

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Words that are data or names, not interface text.
ALLOWED = {"LOGO", "ID", "XLSX", "CSV", "UTF", "GB18030", "PDF"}
IDENTIFIER = re.compile(r"^[\w.@:+-]+$")  # an object's title that is a login or a code: data, not wording


class Words(HTMLParser):
    """The interface words of a page: headings, captions, column heads, labels, help texts,
    actions and buttons (not the rows' data)."""

    WATCHED = {"caption", "h1", "h2", "h3", "label", "legend", "button", "p"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.in_thead = 0
        self.in_action_select = False
        self.divs: list[bool] = []  # open <div>s: is it a help text?
        self.found: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "thead":
            self.in_thead += 1
        if tag == "select" and attrs.get("name") == "action":
            self.in_action_select = True
        if tag == "input" and attrs.get("type") == "submit" and attrs.get("value"):
            self.found.append(("submit", attrs["value"]))
        if tag == "div":
            self.divs.append("help" in (attrs.get("class") or "").split())
        if tag in self.WATCHED or (tag == "th" and self.in_thead) or (tag == "option" and self.in_action_select):
            self.stack.append(tag)
            self.text.append("")

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_thead -= 1
        if tag == "select":
            self.in_action_select = False
        if tag == "div" and self.divs:
            self.divs.pop()
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            self.found.append((tag, self.text.pop().strip()))

    def handle_data(self, data):
        if self.text:
            self.text[-1] += data
        if any(self.divs) and data.strip():
            self.found.append(("help", data.strip()))

    def english(self) -> list[tuple[str, str]]:
        return [
            (tag, text) for tag, text in self.found
            if text and not CJK.search(text) and any(w not in ALLOWED for w in LATIN_WORD.findall(text))
            and not (tag == "h2" and IDENTIFIER.match(text))
        ]


def english_on(client, url: str) -> list[tuple[str, str]]:
    response = client.get(url)
    if response.status_code != 200:
        return []
    parser = Words()
    parser.feed(response.content.decode())
    return parser.english()


@pytest.fixture
def admin_pages(world):
    """Every admin page an administrator lands on: the index, each list, each add form and
    one change form per model that has a row."""
    world.declaration("submitted")  # with its process and tasks
    urls = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
    urls += [reverse("admin:auth_user_roles", args=[world.operator.pk]), reverse("admin:units_unit_import_roster")]
    return urls


def test_every_admin_page_speaks_chinese(admin_pages, client):
    client.force_login(admin_user())
    found = {url: words for url in admin_pages if (words := english_on(client, url))}
    assert found == {}, "\n".join(f"{u}: {w}" for u, w in found.items())


def test_the_app_headings_are_chinese(world, client):
    client.force_login(admin_user())
    html = client.get("/admin/").content.decode()
    for heading in ("申报与流程", "活动实施方案与规则", "单位与人员", "流程引擎"):
        assert heading in html
    assert ">Workflow<" not in html and "WORKFLOW" not in html
