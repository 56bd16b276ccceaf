from django.contrib import admin
from django.urls import include, path

from accounts.api import TokenView

admin.site.site_header = "政务公开主题日 · 工作流程系统"
admin.site.site_title = "政务公开主题日"
admin.site.index_title = "管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/", include("workflow.api.urls")),
    path("account/", include("accounts.urls")),
    path("", include("workflow.urls")),
]

# JSON under /api/, the product's Chinese pages elsewhere (ops.errors).
handler400 = "ops.errors.bad_request"
handler403 = "ops.errors.permission_denied"
handler404 = "ops.errors.page_not_found"
handler500 = "ops.errors.server_error"
