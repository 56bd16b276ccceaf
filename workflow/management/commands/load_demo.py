"""Load a live demo year: this year's programme (the 2023 notice's rules, dates around today), the
sample units and demo people for every role.

The Kaifu 2023 programme stays loaded as the historic record (`fixtures/programmes-2023.json`);
the demo's year is a copy of its rules with this year's dates: the deadline a few weeks ago, one
activity held and summarised, one held a few days ago with its summary due soon, others waiting
for review, scheduling and the leader's seal. Every declaration is made through the real
services, each at its own moment of the story (`DemoYear.at`), so the audit trail reads in time
order. The people have example addresses (`<login>@example.com`): with no mail server
configured, their mail is printed on the console. Sample units are marked `is_sample`; this is
not the district's official roster.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from policies.models import Programme
from policies.rules import SHANGHAI
from units.models import Unit
from units.roles import Role
from workflow import services
from workflow.models import Declaration
from workflow.roles import role_grant

DEFAULT_PASSWORD = "kaifu-demo-2023"
HISTORIC = "kaifu-2023"  # the notice the demo's year copies its rules from

OFFICE_PEOPLE = [
    ("shenhe", "余审核", Role.REVIEWER),
    ("tongchou", "李统筹", Role.SCHEDULER),
    ("kaohe", "王考核", Role.ASSESSOR),
]

STORY_DAYS = 75  # the story starts this many days before today (less early in January)


@dataclass(frozen=True)
class DemoYear:
    """The demo's calendar: moments of the story as days before `now`, inside `now`'s year.

    Early in January a story of 75 days would start in the previous year: its days are then
    pressed together between New Year's day and now, in the same order.
    """

    now: dt.datetime  # aware, Asia/Shanghai

    @property
    def year(self) -> int:
        return self.now.year

    @property
    def _scale(self) -> float:
        new_year = dt.datetime(self.year, 1, 1, tzinfo=SHANGHAI)
        return min(1.0, (self.now - new_year) / dt.timedelta(days=STORY_DAYS + 1))

    def at(self, days_ago: float, hour: int = 10) -> dt.datetime:
        """The moment `days_ago` days before now, at `hour` o'clock (never after now)."""
        moment = self.now - dt.timedelta(days=days_ago * self._scale)
        at_hour = moment.replace(hour=hour, minute=0, second=0, microsecond=0)
        return at_hour if self._scale == 1.0 and at_hour <= self.now else moment

    def day(self, days_ago: float) -> dt.date:
        return self.at(days_ago).date()

    @property
    def upcoming_month(self) -> int:
        """The month of the activities still to come (next month, or this one in December)."""
        return min(self.now.month + 1, 12)

    def window(self, *months: int) -> tuple[int, int]:
        """The notice's window (April–November), stretched to every month the story uses."""
        return min(4, *months), max(11, *months)


def live_programme(year: DemoYear) -> Programme:
    """This year's programme: the historic notice's rules, this year's dates (created once)."""
    historic = Programme.objects.get(code=HISTORIC)
    code = f"kaifu-{year.year}" if year.year != historic.year else f"kaifu-{year.year}-demo"
    existing = Programme.objects.filter(code=code).first()
    if existing is not None:
        return existing
    first, last = year.window(year.day(30).month, year.day(4).month, year.upcoming_month, min(year.upcoming_month + 1, 12))
    copied = {
        field.name: getattr(historic, field.name) for field in Programme._meta.concrete_fields
        if field.name not in {"id", "code", "name", "year", "document_number", "issued_on", "parent",
                              "declaration_due_date", "window_first_month", "window_last_month", "results_released_at"}
    }
    return Programme.objects.create(
        **copied, code=code, year=year.year, parent=None,
        name=historic.name.replace(str(historic.year), str(year.year)),
        document_number=f"开政务公开办发〔{year.year}〕1号（演示）",
        issued_on=year.day(STORY_DAYS), declaration_due_date=year.day(45),
        window_first_month=first, window_last_month=last,
    )


class Command(BaseCommand):
    help = "载入演示数据：本年度实施方案（依2023年通知的规则，日期围绕今天）、示例单位与各角色演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", DEFAULT_PASSWORD))

    def handle(self, *args, password: str, **options):
        call_command("loaddata", "fixtures/programmes-2023.json", "fixtures/kaifu-units-sample.json", verbosity=0)
        year = DemoYear(now=timezone.localtime(timezone.now(), SHANGHAI))
        User = get_user_model()
        with transaction.atomic():
            programme = live_programme(year)
            admin, _ = User.objects.get_or_create(username="admin", defaults={"first_name": "系统管理员", "is_staff": True, "is_superuser": True})
            admin.set_password(password)
            admin.save()
            logins = [("admin", "系统管理员（超级用户）", "")]

            def person(username: str, name: str, role: str, unit: Unit | None = None):
                user, _ = User.objects.get_or_create(username=username, defaults={"first_name": name})
                user.set_password(password)
                user.email = f"{username}@example.com"  # an example address: the demo's mail shows on the console
                user.save()
                role_grant(user=user, role=role, unit=unit, by=admin, at=year.at(STORY_DAYS, hour=9))
                return user

            for username, name, role in OFFICE_PEOPLE:
                person(username, name, role)
                logins.append((username, Role(role).label, ""))
            people = {}
            for unit in Unit.objects.filter(is_sample=True):
                op = person(f"{unit.code}-op", f"{unit.short_name}填报人", Role.OPERATOR, unit)
                lead = person(f"{unit.code}-lead", f"{unit.short_name}负责人", Role.LEADER, unit)
                people[unit.code] = (op, lead)
            for code in ("kf-edu", "kf-sifangping"):
                unit = Unit.objects.get(code=code)
                logins.append((f"{code}-op", "填报人", unit.name))
                logins.append((f"{code}-lead", "单位负责人（公章）", unit.name))

            if not Declaration.objects.filter(programme=programme).exists():
                self._story(programme, people, year)  # each declaration moves its own process

        self.stdout.write(self.style.SUCCESS(
            f"演示数据已载入：{programme.name}（演示年度，申报截止{programme.declaration_due_date:%Y-%m-%d}），"
            f"单位为示例数据，非正式名单。演示账号（密码均为 {password}）："
        ))
        for username, role, unit in logins:
            self.stdout.write(f"  {username:<22} {role}{('，' + unit) if unit else ''}")

    def _story(self, programme: Programme, people: dict, year: DemoYear) -> None:
        """The year so far, in the order it happened; each step at its own moment."""
        User = get_user_model()
        reviewer = User.objects.get(username="shenhe")
        scheduler = User.objects.get(username="tongchou")
        units = {u.code: u for u in Unit.objects.filter(is_sample=True)}
        later, then = year.upcoming_month, min(year.upcoming_month + 1, 12)

        def declare(code: str, theme: str, month: int, form: str, topic: str, description: str, days_ago: float):
            op, _lead = people[code]
            unit = units[code]
            return services.declaration_create(programme=programme, unit=unit, by=op, now=year.at(days_ago), data={
                "theme": theme, "month": month, "form": form, "focus_topic": topic, "description": description,
                "banner": programme.canonical_banner(unit.name), "contact_name": op.first_name, "contact_phone": "0731-84390000",
            })

        def submit(d, code: str, days_ago: float):
            return services.declaration_submit(declaration=d, by=people[code][1], now=year.at(days_ago, hour=15))

        held_first, held_recent = year.day(30), year.day(4)
        planned = [
            ("kf-housing", "老旧小区改造实地调研", held_first.month, "field_research", "quality_city", "组织人大代表、政协委员实地调研老旧小区改造项目。"),
            ("kf-market", "食品安全问卷调查", held_recent.month, "survey", "social_governance", "面向社会开展食品安全满意度问卷调查。"),
            ("kf-wujialing", "社区治理座谈交流", later, "forum", "social_governance", "邀请居民代表座谈社区治理。"),
        ]
        scheduled = [declare(*row, days_ago=68) for row in planned]
        hrss = declare("kf-hrss", "稳就业政策发布与解读", then, "policy_release", "business_environment", "发布稳就业惠企政策并现场解读。", days_ago=66)
        scheduled = [submit(d, d.unit.code, 62) for d in scheduled]
        hrss = submit(hrss, "kf-hrss", 60)
        hrss = services.declaration_return(declaration=hrss, by=reviewer, now=year.at(58), reason="活动简介过于简略，请补充政策名称与解读方式。")
        hrss = services.declaration_update(declaration=hrss, by=people["kf-hrss"][0], now=year.at(57),
                                           data={"description": "发布《开福区稳就业十条》，由局领导现场解读并答疑。"})
        hrss = submit(hrss, "kf-hrss", 56)
        scheduled = [services.declaration_approve(declaration=d, by=reviewer, now=year.at(54)) for d in scheduled]
        services.declaration_approve(declaration=hrss, by=reviewer, now=year.at(52))  # waiting to be scheduled
        services.schedule_publish(programme=programme, by=scheduler, months={d.pk: d.month for d in scheduled}, now=year.at(50))

        facts = {
            "field_research": ({"npc_deputy": 3, "cppcc_member": 2, "media": 2}, {"sites": "伍家岭片区老旧小区改造项目"}),
            "survey": ({"citizen": 120, "media": 1}, {"responses": 356}),
        }

        def hold(d, held_on: dt.date, days_ago: float):
            participants, form_facts = facts[d.form]
            return services.declaration_hold(declaration=d.pk, by=people[d.unit.code][0], now=year.at(days_ago), evidence={
                "held_on": held_on.isoformat(), "place": f"{d.unit.short_name}活动现场", "participants": participants,
                "banner_used": programme.canonical_banner(d.unit.name), "logo_shown": True,
                "publicity": [{"channel": "gov_website", "url": "https://www.kaifu.gov.cn/zwgk/", "date": held_on.isoformat()}],
                "form_facts": form_facts,
            })

        housing, market = scheduled[0], scheduled[1]
        hold(housing, held_first, 29)
        services.declaration_summarize(declaration=housing.pk, by=people["kf-housing"][0], now=year.at(20), nominate=True, summary={
            "summary_practice": "代表委员现场查看改造进度，听取居民意见。",
            "summary_effect": "收集意见建议12条，已全部交办。",
            "summary_experience": "以“调研+交办”闭环回应群众关切。",
        })
        # After the deadline the office lets three units declare late: one has, one waits for its seal.
        until = (year.now + dt.timedelta(days=14)).date()
        for code in ("kf-health", "kf-sifangping", "kf-edu"):
            services.deadline_extension_grant(programme=programme, unit=units[code], until=until,
                                              reason="演示：准予延期报送", by=reviewer, now=year.at(10))
        health = declare("kf-health", "家庭医生签约服务现场观摩", later, "site_visit", "livelihood", "邀请市民群众观摩家庭医生签约服务流程。", days_ago=6)
        hold(market, held_recent, 3)  # its summary is due in about ten days
        submit(health, "kf-health", 2)  # waiting for review
        declare("kf-sifangping", "“家门口”的民生实事面对面", then, "forum", "livelihood", "邀请市民群众座谈社区民生实事进展。", days_ago=1)
