from django.contrib import admin
from django.urls import include, path

from public.views import robots

admin.site.site_header = "政务公开主题日 · 工作流程系统"
admin.site.site_title = "政务公开主题日"
admin.site.index_title = "管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("workflow.api.urls")),
    path("gongkai/", include("public.urls")),  # 政务公开主题日专栏 (anonymous)
    path("robots.txt", robots, name="robots"),
    path("", include("workflow.urls")),
]
