"""Pages (issue 4). The inbox is the landing page."""
from django.contrib.auth import views as auth_views
from django.urls import include, path

from workflow.views import pages, schedule

app_name = "workflow"

urlpatterns = [
    path("", pages.inbox_page, name="inbox"),
    path("queue/", pages.queue_page, name="queue"),
    path("done/", pages.done_page, name="done"),
    path("tasks/<int:task_pk>/", pages.task_page, name="task"),
    path("declarations/", pages.declaration_list, name="declarations"),
    path("declarations/new/", pages.start_page, name="start"),
    path("declarations/<int:pk>/", pages.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/withdraw/", pages.declaration_withdraw, name="withdraw"),
    path("dashboard/", pages.dashboard, name="dashboard"),
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
    path("declarations/<int:pk>/declaration.docx", schedule.declaration_docx, name="declaration_docx"),
]
