"""Pages (issue 4). The inbox is the landing page."""
from django.contrib.auth import views as auth_views
from django.urls import include, path

from workflow.views import evidence, pages

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
    path("declarations/<int:pk>/exemplary/", pages.declaration_mark_exemplary, name="exemplary"),
    path("declarations/<int:pk>/evidence/", evidence.evidence_add, name="evidence-add"),
    path("declarations/<int:pk>/evidence/<int:evidence_pk>/", evidence.evidence_file, name="evidence-file"),
    path("dashboard/", pages.dashboard, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
]
