"""JSON API under /api/ (DESIGN §8). Included by config/urls.py."""
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from workflow import page_cache
from workflow.actions import TRANSITIONS
from workflow.api import discussion, programmes, views

app_name = "api"

urlpatterns = [
    path("declarations/", page_cache.kept(views.DeclarationListView.as_view()), name="declarations"),
    path("declarations/bulk/approve/", discussion.BulkApproveView.as_view(), name="declarations-bulk-approve"),
    path("declarations/bulk/return/", discussion.BulkReturnView.as_view(), name="declarations-bulk-return"),
    path("declarations/<int:pk>/", views.DeclarationDetailView.as_view(), name="declaration"),
    path("declarations/<int:pk>/comments/", discussion.CommentListView.as_view(), name="declaration-comments"),
    path("declarations/<int:pk>/comments/<int:comment_pk>/", discussion.CommentDetailView.as_view(), name="declaration-comment"),
    path("declarations/<int:pk>/history/", views.DeclarationHistoryView.as_view(), name="declaration-history"),
    path("declarations/<int:pk>/evidence/", views.DeclarationEvidenceView.as_view(), name="declaration-evidence"),
    *(
        path(f"declarations/<int:pk>/{action}/", views.transition_view(action), name=f"declaration-{action}")
        for action in TRANSITIONS
    ),
    path("tasks/", views.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/release/", views.TaskReleaseView.as_view(), name="task-release"),
    path("tasks/<int:pk>/transfer/", views.TaskTransferView.as_view(), name="task-transfer"),
    path("declarations/<int:pk>/copy-in/", views.DeclarationCopyInView.as_view(), name="declaration-copy-in"),
    path("substitutes/", views.SubstitutionListView.as_view(), name="substitutes"),
    path("substitutes/<int:pk>/end/", views.SubstitutionEndView.as_view(), name="substitute-end"),
    path("audit/", views.AuditListView.as_view(), name="audit"),
    # issue 22: the programme editor's API (system administrators)
    path("programmes/", programmes.ProgrammeListView.as_view(), name="programmes"),
    path("programmes/<str:code>/", programmes.ProgrammeDetailView.as_view(), name="programme"),
    path("programmes/<str:code>/copy/", programmes.ProgrammeCopyView.as_view(), name="programme-copy"),
    path("programmes/<str:code>/amendments/", programmes.ProgrammeAmendmentsView.as_view(), name="programme-amendments"),
    *(
        path(f"programmes/<str:code>/{name}/", programmes.programme_action_view(name), name=f"programme-{name}")
        for name in programmes.PROGRAMME_ACTIONS
    ),
    path("programmes/<str:code>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("programmes/<str:code>/schedule.xlsx", views.ScheduleXlsxView.as_view(), name="schedule-xlsx"),
    path("programmes/<str:code>/assessment/", views.AssessmentView.as_view(), name="assessment"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The documentation page runs under the Content-Security-Policy: no inline script or style
    # (the split view serves Swagger UI's start script as a file; templates/api/swagger_ui.html
    # is ours). Redoc is not offered: it needs inline styles and loads its logo from the internet.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"), name="docs"),
    re_path(r"^", views.api_not_found),  # anything else under /api/: JSON 404, never the HTML page
]
