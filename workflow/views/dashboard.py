"""The office's dashboard: declarations by state, the units yet to declare (催报), flagged activities,
and the office's picture in charts (workflow.charts: drawn here as SVG, each with its numbers)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from workflow import charts, inbox, selectors
from workflow.assessment import Scoreboard, assess_programme
from workflow.permissions import is_office
from workflow.views.common import current_programme


@login_required
def dashboard(request):
    """Declarations by state, and the units that have not declared yet (催报)."""
    if not is_office(request.user):
        raise PermissionDenied(gettext("The dashboard is for the district office."))
    programme = current_programme()
    if programme is None:
        raise Http404(gettext("No programme accepts declarations now."))
    today = timezone.localdate()
    picture = selectors.dashboard_of(programme, today=today)
    return render(request, "workflow/dashboard.html", {
        "programme": programme, **picture.__dict__, "charts": office_charts(picture, assess_programme(programme)),
        "overdue": inbox.overdue_tasks(request.user, programme, today=today),
    })


def office_charts(picture: selectors.Dashboard, board: Scoreboard) -> list[charts.Chart]:
    """Declarations by state, the load per month, forms, focus topics, and the units' scores."""
    activities = picture.activities
    return [
        charts.horizontal("states", "各状态申报数", [(label, n) for _state, label, n in picture.by_state], category="状态"),
        charts.vertical("months", "各月活动安排（已报送、未取消）", activities.by_month, category="月份"),
        charts.horizontal("forms", "活动形式（已报送、未取消）", activities.by_form, category="活动形式"),
        charts.horizontal("topics", "重点主题（已报送、未取消）", activities.by_topic, category="重点主题"),
        charts.vertical("scores", f"考核得分分布（满分{board.max_total:g}分，按当前审计日志计算）",
                        charts.score_bands([float(row.total) for row in board.units], float(board.max_total)),
                        category="得分段（含下限）", unit="个单位"),
    ]
