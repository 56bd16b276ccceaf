from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "政务公开主题日 · 工作流程系统"
admin.site.site_title = "政务公开主题日"
admin.site.index_title = "管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
