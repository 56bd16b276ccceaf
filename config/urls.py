from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "政务公开主题日 · 工作流程系统"
admin.site.site_title = "政务公开主题日"
admin.site.index_title = "管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("workflow.api.urls")),
    path("", include("notifications.urls")),
    path("", include("workflow.urls")),
]
