"""The inbox (待办/待领取/已办): rows, scoping, and a constant number of SQL queries."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task

from tests.factories import UnitFactory, person
from tests.pages.conftest import login
from units.roles import Role
from workflow import inbox
from workflow.flows import DeclarationFlow

pytestmark = pytest.mark.django_db


def test_inbox_row_shows_unit_theme_step_and_waited_time(client, world):
    world.declaration("held")  # summarize task assigned to the operator
    login(client, world.operator)
    response = client.get("/")
    page = response.content.decode()
    assert "开福区教育局" in page and "惠企政策面对面" in page and "活动总结" in page and "分钟" in page
    assert "待办" in page and "待领取" in page and "已办" in page


def test_queue_done_and_other_units(client, world):
    declaration = world.declaration("drafted")
    world.declaration("drafted", unit=world.other_unit, theme="卫健主题")
    login(client, world.leader)
    page = client.get("/queue/").content.decode()
    assert "惠企政策面对面" in page and "卫健主题" not in page
    task = inbox.queue_for(world.leader).get()
    client.post(f"/tasks/{task.pk}/", {"claim": "1"})
    client.post(f"/tasks/{task.pk}/", {"decision": "submit"})
    done = client.get("/done/").content.decode()
    assert "盖章报送" in done and "惠企政策面对面" in done
    assert [t.declaration_id for t in inbox.done_by(world.leader)] == [declaration.pk]
    assert not inbox.done_by(world.other_leader).exists()


def _submitted_units(world, start: int, stop: int, *, claim_by=None):
    """Units bulk-<start>..bulk-<stop-1>, each with a submitted declaration in the flow."""
    for i in range(start, stop):
        unit = UnitFactory(code=f"bulk-{i}", name=f"开福区批量测试局{i}", short_name=f"批量{i}")
        people = (person(f"bulk-op-{i}", Role.OPERATOR, unit), person(f"bulk-lead-{i}", Role.LEADER, unit))
        world.declaration("submitted", unit=unit, people=people, theme=f"主题{i}")
    if claim_by is not None:
        for row in inbox.queue_for(claim_by)[: (stop - start) // 2]:
            task = Task.objects.get(pk=row.pk)
            task.flow_task.activation_class(task).assign(claim_by)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


URLS = ["/", "/queue/", "/done/", "/declarations/", "/dashboard/"]


def test_inbox_and_list_pages_issue_the_same_number_of_queries_for_10_and_200_tasks(client, world, django_assert_num_queries):
    _submitted_units(world, 0, 20, claim_by=world.reviewer)  # 10 in 待办, 10 in 待领取
    login(client, world.reviewer)
    counts = {url: _queries(client, url) for url in URLS}
    _submitted_units(world, 20, 400, claim_by=world.reviewer)  # 200 in 待办, 200 in 待领取
    for url in URLS:
        with django_assert_num_queries(counts[url]):
            response = client.get(url)
        if url in ("/", "/queue/"):  # a page of 50 rows, the total in the badge and under the table
            assert len(response.context["rows"]) == 50 and response.context["page"].paginator.count == 200
            assert "共 200 条" in response.content.decode() and "第1页，共4页" in response.content.decode()


def test_the_queue_pages_through_every_task_oldest_first_and_counts_each_tab_once(client, world, django_assert_num_queries):
    _submitted_units(world, 0, 60)  # 60 submitted declarations wait for review
    login(client, world.reviewer)
    first, second = client.get("/queue/"), client.get("/queue/", {"page": 2})
    seen = [t.pk for t in first.context["rows"]] + [t.pk for t in second.context["rows"]]
    assert seen == [t.pk for t in inbox.queue_for(world.reviewer)] and len(seen) == 60
    assert second.context["counts"] == {"inbox": 0, "queue": 60} and "上一页" in second.content.decode()
    assert len(client.get("/queue/", {"page": 99}).context["rows"]) == 10  # past the end: the last page
    # session, user, its permissions, its unit roles, the page's rows with both tabs'
    # counts (one statement), the programme (the filters' choices), may-start, the bell's unread messages
    with django_assert_num_queries(8):
        client.get("/queue/")


def _every_kind_of_task(world) -> list:
    """Unit tasks, office tasks, claimed, done, another unit's; the people of `world` and of three
    more units (whose operators, like the world's, share one shape of rights)."""
    world.declaration("held")  # the summary task, in the operator's hands
    world.declaration("submitted", unit=world.other_unit, theme="他单位报送")
    more = []
    for state in ("drafted", "returned", "reviewed"):  # a fill, a revise and a schedule task
        unit = UnitFactory(code=f"kf-{state}", name=f"开福区{state}局")
        people = (person(f"{state}-op", Role.OPERATOR, unit), person(f"{state}-lead", Role.LEADER, unit))
        world.declaration(state, unit=unit, people=people)
        more.extend(people)
    review = Task.objects.get(pk=inbox.queue_for(world.reviewer).first().pk)
    review.flow_task.activation_class(review).assign(world.reviewer)  # one office task in hand
    return [world.operator, world.leader, world.other_operator, world.other_leader, world.reviewer,
            world.scheduler, world.assessor, world.administrator, *more]


def test_the_task_page_opens_exactly_the_tasks_of_each_persons_inbox_and_queue(world):
    """`task_for` decides on one row what 待办 and 待领取 decide for lists: the same answer for
    every person and every task (unit tasks, office tasks, claimed, done, another unit's)."""
    people = _every_kind_of_task(world)[:8]  # the three more units' people hold none of the tasks
    tasks = list(Task.objects.filter(process__flow_class=DeclarationFlow))
    assert {t.status for t in tasks} >= {"NEW", "ASSIGNED", "DONE"}
    opened = set()
    for user in people:
        listed = set(inbox.tasks_for(user).values_list("pk", flat=True)) | set(inbox.queue_for(user).values_list("pk", flat=True))
        for task in tasks:
            try:
                inbox.task_for(user, task.pk)
                found = True
            except Task.DoesNotExist:
                found = False
            assert found == (task.pk in listed), (user.username, task.flow_task, task.status, task.owner_id)
            if found:
                opened.add(user.username)
    assert opened == {"edu-op", "reviewer", "scheduler"}  # summary; a claimed review and the other; schedule


def test_an_inbox_page_runs_each_persons_own_statement_compiled_once_per_shape(world):
    """`open_page` runs the SQL its person's shape compiled once, with their id put in: for every
    person, tab and page exactly the statement the ORM compiles for that person, and the rows of
    the 待办 and 待领取 lists, though several people share one shape (each unit's operators)."""
    people = _every_kind_of_task(world)
    shapes = {}
    for user in people:
        shape = inbox.Shape.of(user)
        shapes.setdefault(shape, []).append(user.username)
        for tab in ("inbox", "queue"):
            scope = inbox._Scope(user.pk, shape)
            for start in (0, 50):
                statement = inbox._open_page_statement(user.pk, shape, tab, start, 50)
                if scope.mine is None and scope.claimable is None:  # no task is ever open to them: no statement
                    assert statement is None and not inbox.open_tasks(user).exists()
                    continue
                compiled = inbox._open_page_queryset(scope, tab, start, 50).query.sql_with_params()
                assert statement == (compiled[0], list(compiled[1]))
            listed = inbox.tasks_for(user) if tab == "inbox" else inbox.queue_for(user)
            counts, rows = inbox.open_page(user, tab, start=0, size=50)
            assert [row.pk for row in rows] == [row.pk for row in listed], (user.username, tab)
            assert counts["inbox"] == inbox.tasks_for(user).count() and counts["queue"] == inbox.queue_for(user).count()
    operators = shapes[inbox.Shape.of(world.operator)]
    assert {"edu-op", "health-op", "drafted-op", "returned-op"} <= set(operators)
    seen = {p.username: [row.declaration.unit.code for tab in ("inbox", "queue")
                         for row in inbox.open_page(p, tab, start=0, size=50)[1]] for p in people}
    # Operators of one shape, leaders of another: each their own unit's task, nobody else's.
    assert {name: seen[name] for name in ("edu-op", "returned-op", "drafted-op", "health-op")} == {
        "edu-op": ["kf-edu"], "returned-op": ["kf-returned"], "drafted-op": [], "health-op": []}
    assert {name: seen[name] for name in ("drafted-lead", "edu-lead", "returned-lead")} == {
        "drafted-lead": ["kf-drafted"], "edu-lead": [], "returned-lead": []}


def test_the_declaration_list_pages_with_its_total_in_the_same_statement(client, world, django_assert_num_queries):
    _submitted_units(world, 0, 60)
    login(client, world.reviewer)
    # session, user, the programme, its permissions, the page's rows with their total, the bell
    with django_assert_num_queries(6):
        first = client.get("/declarations/")
    with django_assert_num_queries(6):
        second = client.get("/declarations/", {"page": 2})
    assert len(first.context["declarations"]) == 50 and len(second.context["declarations"]) == 10
    assert "共 60 条" in first.content.decode() and "第1页，共2页" in first.content.decode()
    listed = [d.pk for d in first.context["declarations"]] + [d.pk for d in second.context["declarations"]]
    assert len(set(listed)) == 60
    # past the end: the count, then the last page's rows
    with django_assert_num_queries(8):
        past = client.get("/declarations/", {"page": 99})
    assert [d.pk for d in past.context["declarations"]] == listed[50:] and past.context["page"].number == 2
    assert client.get("/declarations/", {"page": "x"}).context["page"].number == 1
    assert client.get("/declarations/", {"page": 0}).context["page"].number == 2  # as Django's paginator: the last
    assert "共 0 条" in client.get("/declarations/", {"state": "held"}).content.decode()


def test_each_tab_lists_only_its_own_tasks_when_both_wait(client, world, django_assert_num_queries):
    """One statement reads both tabs (this tab's rows first): a short page never shows the other tab's tasks."""
    _submitted_units(world, 0, 66, claim_by=world.reviewer)  # 33 claimed (待办), 33 waiting (待领取)
    login(client, world.reviewer)
    mine = set(inbox.tasks_for(world.reviewer).values_list("pk", flat=True))
    waiting = list(inbox.queue_for(world.reviewer).values_list("pk", flat=True))
    assert len(mine) == len(waiting) == 33
    for url, expected in (("/", sorted(mine)), ("/queue/", waiting)):
        response = client.get(url)
        assert [t.pk for t in response.context["rows"]] == expected  # oldest first, none of the other tab
        assert response.context["counts"] == {"inbox": 33, "queue": 33}
    assert len(client.get("/", {"page": 7}).context["rows"]) == 33  # past the end of both tabs: the last page
    # Past this tab's end (33 rows, one page), a rare case: the counts come from the first statement,
    # then the last page is read as a list of its own (its unit roles and its rows): 8 + 2.
    with django_assert_num_queries(9):
        response = client.get("/", {"page": 2})
    assert [t.pk for t in response.context["rows"]] == sorted(mine) and response.context["counts"]["inbox"] == 33


def test_someone_with_nothing_open_sees_empty_tabs_in_one_statement(client, world, django_assert_num_queries):
    login(client, world.assessor)
    with django_assert_num_queries(8):  # session, user, permissions, unit roles, the page, the programme, may-start, the bell
        response = client.get("/queue/")
    assert response.context["counts"] == {"inbox": 0, "queue": 0} and list(response.context["rows"]) == []
    assert "暂无待领取的任务。" in response.content.decode()


def test_each_row_links_to_its_own_declaration_and_task(client, world):
    """The row links are made once per page and filled in per row (views.common.row_url)."""
    _submitted_units(world, 0, 6, claim_by=world.reviewer)  # 3 claimed (待办), 3 waiting (待领取)
    login(client, world.reviewer)
    for url, rows in (("/", inbox.tasks_for(world.reviewer)), ("/queue/", inbox.queue_for(world.reviewer))):
        page = client.get(url).content.decode()
        for row in rows:
            assert f'<a href="/declarations/{row.declaration_id}/">主题' in page
            assert f'<a class="button" href="/tasks/{row.pk}/">' in page
    listed = client.get("/declarations/").content.decode()
    for pk in world.programme.declarations.values_list("pk", flat=True):
        assert f'<a href="/declarations/{pk}/">主题' in listed
    assert listed.count('<span class="state">已报送</span>') == world.programme.declarations.count() == 6  # each row's state
