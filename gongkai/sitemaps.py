"""sitemap.xml (Django's sitemap framework): every programme's plan, 典型经验 and released results
where public, and every public activity page, from `gongkai.selectors`."""
from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.urls import reverse

from gongkai import selectors
from gongkai.cache import cached
from workflow import publication as scope


class ProgrammePages(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[tuple[str, str]]:
        pages = []
        for programme in selectors.programmes():
            pages += [("public:plan", programme.code), ("public:exemplary", programme.code)]
            if programme.results_public:
                pages.append(("public:results", programme.code))
        return pages

    def location(self, item: tuple[str, str]) -> str:
        name, code = item
        return reverse(name, args=[code])


class ActivityPages(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[tuple[str, int]]:
        return selectors.sitemap_activities()

    def location(self, item: tuple[str, int]) -> str:
        return reverse("public:activity", args=list(item))


SITEMAPS = {"programmes": ProgrammePages, "activities": ActivityPages}


@cached(lambda: [scope.FEED, scope.PROGRAMMES])
def sitemap(request):
    response = sitemap_view(request, sitemaps=SITEMAPS)
    response.render()
    return response
