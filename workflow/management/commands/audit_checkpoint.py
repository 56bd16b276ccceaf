from django.core.management.base import BaseCommand

from workflow.trail.checkpoints import checkpoint


class Command(BaseCommand):
    help = "记录审计检查点：所有审计链的链头（建议每日定时运行）。"

    def handle(self, *args, **options):
        cp = checkpoint()
        self.stdout.write(self.style.SUCCESS(
            f"检查点 #{cp.pk}：{cp.chains}条链、{cp.events}条事件，本次记录{len(cp.heads)}个变动的链头。"
        ))
