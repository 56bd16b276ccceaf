"""Pages. The inbox is the landing page."""
from django.contrib.auth import views as auth_views
from django.urls import include, path

from workflow.actions import Action
from workflow.views import (
    assessment,
    audit,
    dashboard,
    declarations,
    evidence,
    handover,
    inbox,
    programmes,
    reminders,
    schedule,
)

app_name = "workflow"

urlpatterns = [
    path("", inbox.inbox_page, name="inbox"),
    path("inbox/", inbox.inbox_tab_page, name="inbox_tab"),
    path("queue/", inbox.queue_page, name="queue"),
    path("done/", inbox.done_page, name="done"),
    path("tasks/<int:task_pk>/", inbox.task_page, name="task"),
    path("tasks/<int:task_pk>/release/", inbox.task_release, name="task_release"),
    # issue 21: 转办, 代理, 抄送 (workflow.handover)
    path("tasks/<int:task_pk>/transfer/", handover.transfer_page, name="task_transfer"),
    path("substitutes/", handover.substitutes_page, name="substitutes"),
    path("substitutes/<int:pk>/end/", handover.substitute_end, name="substitute_end"),
    path("copied/", handover.copied_page, name="copied"),
    path("declarations/<int:pk>/copy-in/", handover.copy_in, name="copy_in"),
    path("declarations/", declarations.declaration_list, name="declarations"),
    path("declarations/new/", declarations.start_page, name="start"),
    path("declarations/export.xlsx", declarations.declaration_list_xlsx, name="declarations_xlsx"),
    path("declarations/<int:pk>/", declarations.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/withdraw/", declarations.declaration_act, {"action": Action.WITHDRAW}, name="withdraw"),
    path("declarations/<int:pk>/cancel/", declarations.declaration_act, {"action": Action.CANCEL}, name="cancel"),
    path("declarations/<int:pk>/exemplary/", declarations.declaration_mark_exemplary, name="exemplary"),
    path("declarations/<int:pk>/evidence/", evidence.evidence_add, name="evidence-add"),
    path("declarations/<int:pk>/evidence/<int:evidence_pk>/", evidence.evidence_file, name="evidence-file"),
    path("declarations/<int:pk>/evidence/<int:evidence_pk>/public/", evidence.evidence_publicity, name="evidence-publicity"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/units/<int:unit_pk>/urge/", reminders.unit_urge, name="unit_urge"),
    path("declarations/<int:pk>/urge/", reminders.declaration_urge, name="declaration_urge"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("schedule/", schedule.schedule_page, name="schedule_current"),
    path("programmes/<slug:code>/schedule/", schedule.schedule_page, name="schedule"),
    path("programmes/<slug:code>/schedule/publish/", schedule.schedule_publish, name="schedule_publish"),
    path("programmes/<slug:code>/schedule/<int:pk>/reschedule/", schedule.schedule_reschedule, name="schedule_reschedule"),
    path("programmes/<slug:code>/schedule/v<int:number>.xlsx", schedule.schedule_xlsx, name="schedule_xlsx"),
    path("calendar/", schedule.calendar, name="calendar_current"),
    path("programmes/<slug:code>/calendar/", schedule.calendar, name="calendar"),
    path("declarations/<int:pk>/declaration.docx", schedule.declaration_form, {"kind": "docx"}, name="declaration_docx"),
    path("declarations/<int:pk>/declaration.pdf", schedule.declaration_form, {"kind": "pdf"}, name="declaration_pdf"),
    path("assessment/", assessment.assessment_current, name="assessment_current"),
    path("programmes/<slug:code>/assessment/", assessment.scoreboard, name="assessment"),
    path("programmes/<slug:code>/assessment/release/", assessment.release, name="assessment_release"),
    path("programmes/<slug:code>/assessment/units/<str:unit_code>/", assessment.unit_breakdown, name="assessment_unit"),
    path("programmes/<slug:code>/report.xlsx", assessment.district_report, name="district_report"),
    path("audit/", audit.search, name="audit"),
    path("audit/export.csv", audit.export_csv, name="audit_csv"),
    path("audit/export.xlsx", audit.export_xlsx, name="audit_xlsx"),
    path("audit/verify/", audit.verify_chain, name="audit_verify"),
    # issue 22: the programme page and editor (system administrators edit)
    path("programme/", programmes.programme_current, name="current_programme"),
    path("programmes/", programmes.programme_list, name="programmes"),
    path("programmes/new/", programmes.programme_new, name="programme_new"),
    path("programmes/banner-preview/", programmes.banner_preview_json, name="programme_banner_preview"),
    path("programmes/<slug:code>/", programmes.programme_detail, name="programme"),
    path("programmes/<slug:code>/edit/", programmes.programme_edit, name="programme_edit"),
    path("programmes/<slug:code>/copy/", programmes.programme_copy, name="programme_copy"),
    path("programmes/<slug:code>/amend/<slug:rule>/", programmes.programme_amend, name="programme_amend"),
    *(path(f"programmes/<slug:code>/{action}/", programmes.programme_action, {"action": action}, name=f"programme_{action}")
      for action in programmes.ACTIONS),
]
