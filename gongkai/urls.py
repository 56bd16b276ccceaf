"""政务公开主题日专栏 under /gongkai/ (DESIGN §8): anonymous, read-only, cached."""
from django.urls import path

from gongkai import feeds, sitemaps, views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("feed.xml", feeds.rss, name="rss"),
    path("feed.json", feeds.json_feed, name="json_feed"),
    path("embed/", views.embed, name="embed"),
    path("embed/snippet.html", views.embed_snippet, name="embed_snippet"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("audit-anchors/", views.anchors, name="anchors"),
    path("audit-anchors.json", views.anchors_json, name="anchors_json"),
    path("<slug:code>/", views.plan, name="plan"),
    path("<slug:code>/plan.xlsx", views.plan_xlsx, name="plan_xlsx"),
    path("<slug:code>/exemplary/", views.exemplary, name="exemplary"),
    path("<slug:code>/results/", views.results, name="results"),
    path("<slug:code>/activities/<int:pk>/", views.activity, name="activity"),
    path("<slug:code>/activities/<int:pk>/photos/<int:evidence_id>.<slug:extension>", views.photo, name="photo"),
]
