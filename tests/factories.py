"""Test data. factory_boy for people and units; the programme from the real fixture."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import factory
from django.contrib.auth import get_user_model
from django.core.management import call_command

from policies.models import Programme
from policies.rules import SHANGHAI
from units.models import Unit, UnitKind
from units.roles import Role
from workflow import services
from workflow.models import Declaration
from workflow.roles import role_grant

BEFORE_DEADLINE = dt.datetime(2023, 3, 30, 10, tzinfo=SHANGHAI)
AFTER_DEADLINE = dt.datetime(2023, 4, 4, 0, 0, 1, tzinfo=SHANGHAI)


def kaifu_programme() -> Programme:
    call_command("loaddata", "fixtures/programmes-2023.json", verbosity=0)
    return Programme.objects.get(code="kaifu-2023")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pw-for-tests-only")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"开福区测试局{n}")
    short_name = factory.Sequence(lambda n: f"测试局{n}")
    kind = UnitKind.DEPARTMENT


def admin_user():
    return UserFactory(username="root-admin", is_superuser=True, is_staff=True)


def person(username: str, role: str, unit: Unit | None = None):
    user = UserFactory(username=username)
    role_grant(user=user, role=role, unit=unit, by=admin_user())
    return get_user_model().objects.get(pk=user.pk)  # fresh: no stale permission caches


def unit_with_people(code: str, name: str) -> tuple[Unit, tuple]:
    """A unit with an operator and a leader (`<code>-op`, `<code>-lead`), for `World.declaration(people=…)`."""
    unit = UnitFactory(code=code, name=name)
    return unit, (person(f"{code}-op", Role.OPERATOR, unit), person(f"{code}-lead", Role.LEADER, unit))


def content(programme: Programme, unit: Unit, **overrides) -> dict:
    values = {
        "theme": "惠企政策面对面", "month": 5, "form": "forum", "focus_topic": "business_environment",
        "description": "邀请企业代表座谈，解读惠企政策。", "banner": programme.canonical_banner(unit.name),
        "contact_name": "张三", "contact_phone": "0731-84390001",
    }
    values.update(overrides)
    return values


def evidence(programme: Programme, unit: Unit, **overrides) -> dict:
    values = {
        "held_on": "2023-05-18", "place": "区政务服务中心", "participants": {"citizen": 20, "enterprise": 5},
        "banner_used": programme.canonical_banner(unit.name), "logo_shown": True,
        "publicity": [{"channel": "gov_website", "url": "https://www.kaifu.gov.cn/a", "date": "2023-05-19"}],
        "form_facts": {"attendance": 25},
    }
    values.update(overrides)
    return values


SUMMARY = {"summary_practice": "座谈交流", "summary_effect": "收集建议10条", "summary_experience": "闭环办理"}


@dataclass
class World:
    programme: Programme
    unit: Unit
    other_unit: Unit
    operator: object
    leader: object
    other_operator: object
    other_leader: object
    reviewer: object
    scheduler: object
    assessor: object
    administrator: object

    @classmethod
    def build(cls, programme: Programme) -> World:
        unit = UnitFactory(code="kf-edu", name="开福区教育局", short_name="区教育局")
        other = UnitFactory(code="kf-health", name="开福区卫生健康局", short_name="区卫健局")
        return cls(
            programme=programme, unit=unit, other_unit=other,
            operator=person("edu-op", Role.OPERATOR, unit), leader=person("edu-lead", Role.LEADER, unit),
            other_operator=person("health-op", Role.OPERATOR, other), other_leader=person("health-lead", Role.LEADER, other),
            reviewer=person("reviewer", Role.REVIEWER), scheduler=person("scheduler", Role.SCHEDULER),
            assessor=person("assessor", Role.ASSESSOR), administrator=person("administrator", Role.ADMINISTRATOR),
        )

    def people_of(self, unit: Unit) -> tuple:
        return (self.operator, self.leader) if unit == self.unit else (self.other_operator, self.other_leader)

    # Walk a declaration of `unit` (default: self.unit) up to a state, through the services,
    # every step by the person whose job it is. "returned": submitted, then sent back.
    def declaration(self, state: str = "drafted", unit: Unit | None = None, people: tuple | None = None, **overrides) -> Declaration:
        unit = unit or self.unit
        op, lead = people or self.people_of(unit)
        d = services.declaration_create(programme=self.programme, unit=unit, by=op, data=content(self.programme, unit, **overrides))
        if state == "returned":
            d = services.declaration_submit(declaration=d, by=lead, now=BEFORE_DEADLINE)
            return services.declaration_return(declaration=d, by=self.reviewer, reason="请补充活动简介。")
        steps = ["submitted", "reviewed", "scheduled", "held", "summarized", "evaluated"]
        for step in steps[: steps.index(state) + 1] if state in steps else []:
            if step == "submitted":
                d = services.declaration_submit(declaration=d, by=lead, now=BEFORE_DEADLINE)
            elif step == "reviewed":
                d = services.declaration_approve(declaration=d, by=self.reviewer)
            elif step == "scheduled":
                services.schedule_publish(programme=self.programme, by=self.scheduler, months={d.pk: d.month})
                d = Declaration.objects.get(pk=d.pk)
            elif step == "held":
                d = services.declaration_hold(declaration=d, by=op, evidence=evidence(self.programme, unit))
            elif step == "summarized":
                d = services.declaration_summarize(declaration=d, by=op, summary=SUMMARY)
            elif step == "evaluated":
                d = services.declaration_evaluate(declaration=d, by=self.assessor, scores={"quality": 8}, comment="组织有序")
        return d
