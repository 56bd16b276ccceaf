"""Load the Kaifu 2023 programme, the sample units and demo people for every role.

Every declaration in the demo is made through the real services (so the audit trail is
real), with 2023 dates where the programme's calendar needs them. The people have example
addresses (`<login>@example.com`): with no mail server configured, their mail is printed on
the console. Sample units are
marked `is_sample`; this is not the district's official roster.
"""
from __future__ import annotations

import datetime as dt
import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from policies.models import Programme
from policies.rules import SHANGHAI
from units.models import Unit
from units.roles import Role
from workflow import services
from workflow.models import Declaration
from workflow.roles import role_grant

DEFAULT_PASSWORD = "kaifu-demo-2023"

OFFICE_PEOPLE = [
    ("shenhe", "余审核", Role.REVIEWER),
    ("tongchou", "李统筹", Role.SCHEDULER),
    ("kaohe", "王考核", Role.ASSESSOR),
]


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=SHANGHAI)


class Command(BaseCommand):
    help = "载入开福区2023年实施方案、示例单位与各角色演示账号（示例数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", DEFAULT_PASSWORD))

    def handle(self, *args, password: str, **options):
        call_command("loaddata", "fixtures/programmes-2023.json", "fixtures/kaifu-units-sample.json", verbosity=0)
        programme = Programme.objects.get(code="kaifu-2023")
        User = get_user_model()
        with transaction.atomic():
            admin, _ = User.objects.get_or_create(username="admin", defaults={"first_name": "系统管理员", "is_staff": True, "is_superuser": True})
            admin.set_password(password)
            admin.save()
            logins = [("admin", "系统管理员（超级用户）", "")]

            def person(username: str, name: str, role: str, unit: Unit | None = None):
                user, _ = User.objects.get_or_create(username=username, defaults={"first_name": name})
                user.set_password(password)
                user.email = f"{username}@example.com"  # an example address: the demo's mail shows on the console
                user.save()
                role_grant(user=user, role=role, unit=unit, by=admin)
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
                self._story(programme, people, admin)  # each declaration moves its own process

        self.stdout.write(self.style.SUCCESS(f"演示数据已载入（单位为示例数据，非正式名单）。演示账号（密码均为 {password}）："))
        for username, role, unit in logins:
            self.stdout.write(f"  {username:<22} {role}{('，' + unit) if unit else ''}")

    def _story(self, programme: Programme, people: dict, admin) -> None:
        User = get_user_model()
        reviewer = User.objects.get(username="shenhe")
        scheduler = User.objects.get(username="tongchou")
        units = {u.code: u for u in Unit.objects.filter(is_sample=True)}

        def declare(code: str, theme: str, month: int, form: str, topic: str, description: str):
            op, _lead = people[code]
            unit = units[code]
            return services.declaration_create(programme=programme, unit=unit, by=op, data={
                "theme": theme, "month": month, "form": form, "focus_topic": topic, "description": description,
                "banner": programme.canonical_banner(unit.name), "contact_name": op.first_name, "contact_phone": "0731-84390000",
            })

        def submit(d, code: str, day: str = "2023-03-31"):
            return services.declaration_submit(declaration=d, by=people[code][1], now=at(day))

        # Ready for the leader's seal; the office granted an extension so the demo can submit today.
        declare("kf-sifangping", "“家门口”的民生实事面对面", 6, "forum", "livelihood", "邀请市民群众座谈社区民生实事进展。")
        services.deadline_extension_grant(programme=programme, unit=units["kf-sifangping"], until=dt.date(2026, 12, 31), reason="演示：允许延期报送", by=reviewer)
        services.deadline_extension_grant(programme=programme, unit=units["kf-edu"], until=dt.date(2026, 12, 31), reason="演示：允许延期报送", by=reviewer)

        d = declare("kf-health", "家庭医生签约服务现场观摩", 5, "site_visit", "livelihood", "邀请市民群众观摩家庭医生签约服务流程。")
        submit(d, "kf-health")  # waiting for review

        d = declare("kf-hrss", "稳就业政策发布与解读", 5, "policy_release", "business_environment", "发布稳就业惠企政策并现场解读。")
        d = submit(d, "kf-hrss")
        d = services.declaration_return(declaration=d, by=reviewer, reason="活动简介过于简略，请补充政策名称与解读方式。")
        d = services.declaration_update(declaration=d, by=people["kf-hrss"][0], data={"description": "发布《开福区稳就业十条》，由局领导现场解读并答疑。"})
        d = submit(d, "kf-hrss", "2023-04-02")
        services.declaration_approve(declaration=d, by=reviewer, now=at("2023-04-06"))

        held = []
        for code, theme, month, form, topic, description in [
            ("kf-housing", "老旧小区改造实地调研", 7, "field_research", "quality_city", "组织人大代表、政协委员实地调研老旧小区改造项目。"),
            ("kf-market", "食品安全问卷调查", 8, "survey", "social_governance", "面向社会开展食品安全满意度问卷调查。"),
            ("kf-wujialing", "社区治理座谈交流", 9, "forum", "social_governance", "邀请居民代表座谈社区治理。"),
        ]:
            d = submit(declare(code, theme, month, form, topic, description), code)
            held.append(services.declaration_approve(declaration=d, by=reviewer, now=at("2023-04-06")))
        services.schedule_publish(programme=programme, by=scheduler, months={d.pk: d.month for d in held})

        facts = {
            "field_research": ({"npc_deputy": 3, "cppcc_member": 2, "media": 2}, {"sites": "伍家岭片区老旧小区改造项目"}),
            "survey": ({"citizen": 120, "media": 1}, {"responses": 356}),
            "forum": ({"citizen": 25, "expert": 2}, {"attendance": 30}),
        }
        for d in held[:2]:
            participants, form_facts = facts[d.form]
            month = d.month
            services.declaration_hold(declaration=Declaration.objects.get(pk=d.pk), by=people[d.unit.code][0], now=at(f"2023-{month:02d}-20"), evidence={
                "held_on": f"2023-{month:02d}-18", "place": f"{d.unit.short_name}活动现场", "participants": participants,
                "banner_used": programme.canonical_banner(d.unit.name), "logo_shown": True,
                "publicity": [{"channel": "gov_website", "url": "https://www.kaifu.gov.cn/zwgk/", "date": f"2023-{month:02d}-19"}],
                "form_facts": form_facts,
            })
        first = Declaration.objects.get(pk=held[0].pk)
        services.declaration_summarize(declaration=first, by=people[first.unit.code][0], now=at("2023-07-25"), nominate=True, summary={
            "summary_practice": "代表委员现场查看改造进度，听取居民意见。",
            "summary_effect": "收集意见建议12条，已全部交办。",
            "summary_experience": "以“调研+交办”闭环回应群众关切。",
        })

