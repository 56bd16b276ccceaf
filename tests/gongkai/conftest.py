"""The public column's tests: a fresh cache per test, and the services' changes committed.

The services give the column's scopes new versions when their transaction commits
(`workflow.publication`). A test inside pytest-django's transaction never commits, so service
calls whose effect on the cached column a test checks run inside `with committed():`, which
runs their on-commit callbacks when the block ends — what happens in production at the commit.
"""
from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): <service calls>`: their on-commit callbacks run, as after a commit."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


def png(name: str = "现场.png", colour: str = "red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name: str = "报道.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n0\n%%EOF\n", content_type="application/pdf")


def activities(world, count: int, *, start: int = 0, held: int = 0) -> list:
    """`count` more activities on the published plan, each of its own unit (one leader for all,
    through the services), the first `held` of them held."""
    from tests.factories import BEFORE_DEADLINE, UnitFactory, content, evidence, person
    from units.roles import Role
    from workflow import services
    from workflow.models import Declaration
    from workflow.roles import role_grant

    leader = person("many-lead", Role.LEADER, world.unit)
    made = []
    for i in range(start, start + count):
        unit = UnitFactory(code=f"kf-p{i:03d}", name=f"开福区公开测试{i:03d}局", short_name="")
        role_grant(user=leader, role=Role.LEADER, unit=unit, by=world.administrator)
        d = services.declaration_create(programme=world.programme, unit=unit, by=leader,
                                        data=content(world.programme, unit, theme=f"公开活动{i:03d}", month=4 + i % 8))
        d = services.declaration_submit(declaration=d, by=leader, now=BEFORE_DEADLINE)
        made.append(services.declaration_approve(declaration=d, by=world.reviewer))
    services.schedule_publish(programme=world.programme, by=world.scheduler, months={d.pk: d.month for d in made})
    for d in made[:held]:
        d = Declaration.objects.get(pk=d.pk)
        services.declaration_hold(declaration=d, by=leader, evidence=evidence(
            world.programme, d.unit, held_on=f"2023-{d.month:02d}-18", participants={"citizen": 9}))
    return [Declaration.objects.get(pk=d.pk) for d in made]


@pytest.fixture
def column_year(world):
    """Three activities on the plan (one held); 教育局's activity held, summarized and marked
    exemplary; 卫生健康局's scheduled, then cancelled. Returns (the three, 教育局's)."""
    from tests.factories import SUMMARY
    from workflow import services
    from workflow.models import Declaration

    planned = activities(world, 3, held=1)
    edu = world.declaration("held")
    edu = services.declaration_summarize(declaration=edu, by=world.operator, summary=SUMMARY)
    services.declaration_mark_exemplary(declaration=edu, by=world.scheduler)
    cancelled = world.declaration("scheduled", unit=world.other_unit, theme="已取消的活动")
    services.declaration_cancel(declaration=cancelled, by=world.reviewer, reason="撤并")
    return planned, Declaration.objects.get(pk=edu.pk)
