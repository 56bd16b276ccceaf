"""Signed-in pages kept per person and session (workflow.page_cache): asked again with nothing
changed, a page is answered without reading declarations; after any change, anyone's next page
shows it; nobody ever gets a page kept for someone else, a notice twice, or an answer for a
token that is no longer valid."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.pages.conftest import login
from units.models import Unit
from units.roles import Role
from workflow import page_cache, roles
from workflow.models import Declaration
from workflow.views.common import CONFIRM_MISSING

pytestmark = pytest.mark.django_db

PAGES = ["/inbox/", "/queue/", "/done/", "/declarations/"]


def ask(client, url, **extra):
    """The answer and whether building it read declarations (a kept page does not)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, any('"workflow_declaration"' in query["sql"] for query in queries.captured_queries)


def warm(client, url):
    """Ask until the client holds its CSRF cookie and the page is kept (a browser has the cookie
    from its first page on)."""
    client.get(url)
    response, _ = ask(client, url)
    return response


@pytest.mark.parametrize("url", PAGES)
def test_the_same_person_asking_again_gets_the_same_page_without_reading_declarations(client, world, url):
    world.declaration("submitted")
    login(client, world.reviewer)
    first = warm(client, url)

    again, read = ask(client, url)

    assert again.status_code == 200 and not read
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_the_declaration_page_is_kept_and_shows_a_change_at_once(client, world):
    declaration = world.declaration("submitted", theme="惠企政策面对面")
    login(client, world.reviewer)
    url = f"/declarations/{declaration.pk}/"
    warm(client, url)
    assert not ask(client, url)[1]

    Declaration.objects.filter(pk=declaration.pk).update(theme="惠企政策再解读")  # as the admin or a command would
    response, read = ask(client, url)

    assert read and "惠企政策再解读" in response.content.decode()


def test_an_action_shows_on_every_kept_page_at_once(client, world):
    world.declaration("submitted", theme="惠企政策面对面")
    login(client, world.reviewer)
    for url in PAGES:
        warm(client, url)

    world.declaration("submitted", unit=world.other_unit, theme="家庭医生签约服务")  # through the services

    listed, read = ask(client, "/declarations/")
    assert read and "家庭医生签约服务" in listed.content.decode()
    assert "家庭医生签约服务" in client.get("/queue/").content.decode()


def test_a_write_made_by_hand_written_sql_shows_at_once(client, world):
    world.declaration("submitted", theme="惠企政策面对面")
    login(client, world.reviewer)
    warm(client, "/declarations/")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Unit._meta.db_table} SET name = %s WHERE id = %s", ["开福区教育和体育局", world.unit.pk])

    assert "开福区教育和体育局" in client.get("/declarations/").content.decode()


def test_another_unit_never_gets_the_page_kept_for_the_first(client, world):
    world.declaration("drafted", theme="惠企政策面对面")
    login(client, world.operator)
    assert "惠企政策面对面" in warm(client, "/declarations/").content.decode()

    client.logout()
    login(client, world.other_operator)
    response, read = ask(client, "/declarations/")

    assert read and "惠企政策面对面" not in response.content.decode()


def test_a_new_session_of_the_same_person_gets_a_page_built_for_it(client, world):
    world.declaration("submitted")
    login(client, world.reviewer)
    warm(client, "/declarations/")
    client.logout()
    login(client, world.reviewer)

    assert ask(client, "/declarations/")[1]


def test_a_request_without_the_csrf_cookie_is_never_answered_from_the_cache(client, world):
    world.declaration("submitted")
    login(client, world.reviewer)
    warm(client, "/declarations/")
    del client.cookies["csrftoken"]

    response, read = ask(client, "/declarations/")

    assert read and response.cookies["csrftoken"].value  # its page's forms match the cookie it gets


def test_a_removed_role_shows_at_once(client, world):
    login(client, world.reviewer)
    assert 'href="/dashboard/"' in warm(client, "/declarations/").content.decode()

    roles.role_revoke(user=world.reviewer, role=Role.REVIEWER, by=world.administrator)

    assert 'href="/dashboard/"' not in client.get("/declarations/").content.decode()


def test_a_one_time_notice_is_shown_once_then_the_page_is_kept_again(client, world):
    declaration = world.declaration("submitted")
    login(client, world.reviewer)
    url = f"/declarations/{declaration.pk}/"
    warm(client, url)

    client.post(f"/declarations/{declaration.pk}/cancel/", {"reason": "重复申报"})  # not confirmed: nothing saved
    shown = client.get(url).content.decode()
    after, _ = ask(client, url)
    read_again = ask(client, url)[1]

    assert CONFIRM_MISSING in shown
    assert CONFIRM_MISSING not in after.content.decode()
    assert not read_again  # kept again
    assert Declaration.objects.get(pk=declaration.pk).state == "submitted"


def test_the_next_day_builds_the_page_again(client, world, monkeypatch):
    world.declaration("submitted")
    login(client, world.reviewer)
    warm(client, "/queue/")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: tomorrow)

    assert ask(client, "/queue/")[1]  # its due-date lights change with the day


def test_turned_off_every_page_is_built(client, world, settings):
    settings.PRIVATE_CACHE_SECONDS = 0
    world.declaration("submitted")
    login(client, world.reviewer)
    warm(client, "/declarations/")

    assert ask(client, "/declarations/")[1]


def test_the_public_is_sent_to_the_login_page_after_pages_were_kept(client, world):
    world.declaration("submitted")
    login(client, world.reviewer)
    warm(client, "/declarations/")
    client.logout()

    response, read = ask(client, "/declarations/")

    assert response.status_code == 302 and response["Location"].startswith("/login/") and not read


def test_a_shared_authorization_header_never_shares_a_page(world):
    """A proxy in front of the site may send one login (HTTP basic) for everyone: pages are not
    kept for an Authorization header that is not an API token."""
    world.declaration("drafted", theme="惠企政策面对面")
    shared = "Basic Zm9vOmJhcg=="
    first, second = Client(HTTP_AUTHORIZATION=shared), Client(HTTP_AUTHORIZATION=shared)
    login(first, world.operator)
    login(second, world.other_operator)
    warm(first, "/declarations/")

    response, read = ask(second, "/declarations/")

    assert read and "惠企政策面对面" not in response.content.decode()
