"""The public column's pages (政务公开主题日专栏, /gongkai/): anonymous, Chinese, cached.

Every page reads through `gongkai.selectors` and is served through `gongkai.cache` (ETag,
Last-Modified, 304, Cache-Control: public). A page never depends on who asks: no login, no
session, no CSRF token, no language switch; what is missing or not public is the same cached
404 page. Each view names the scopes it shows (`workflow.publication`), so a service's change
rebuilds exactly the pages that show it.
"""
from __future__ import annotations

import datetime as dt

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from gongkai import selectors
from gongkai.cache import cached, public_headers, remembered, serve
from workflow import publication as scope
from workflow.trail import anchors as trail_anchors

SITE = "政务公开主题日专栏"
DEFAULT_IMAGE = "public/og-default.png"


def _og(request, *, title: str, description: str, image: str | None = None, image_alt: str = "", kind: str = "website") -> dict:
    """The OpenGraph tags: a link shared in a chat shows this title, text and picture."""
    return {
        "title": title, "description": description[:150], "type": kind, "url": request.build_absolute_uri(request.path),
        "image": request.build_absolute_uri(image or static(DEFAULT_IMAGE)), "image_alt": image_alt or f"{SITE}标识",
    }


def _page(request, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    with translation.override("zh-hans"):  # dates and numbers as in Chinese, whatever the browser asks
        return render(request, template, context, status=status)


def not_found(request) -> HttpResponse:
    return _page(request, "public/404.html", {"og": _og(request, title="未找到该页面", description=f"{SITE}：未找到该页面。")},
                 status=404)


# ------------------------------------------------------------------ pages

@cached(lambda: [scope.PROGRAMMES])
def index(request):
    """`/gongkai/`: this year's programme's plan."""
    code = selectors.current_code()
    if code is None:
        return not_found(request)
    return HttpResponseRedirect(reverse("public:plan", args=[code]))


def _programme_scopes(code: str, *parts: str) -> list[str]:
    return [scope.programme(code), scope.PROGRAMMES, *parts]


@cached(lambda code: _programme_scopes(code, scope.plan(code)))
def plan(request, code: str):
    found = selectors.plan(code)
    if found is None:
        return not_found(request)
    year = found.programme.year
    return _page(request, "public/plan.html", {
        "plan": found, "programme": found.programme, "months": found.by_month(), "programmes": selectors.programmes(),
        "amendments": selectors.amendments(code), "section": "plan",
        "og": _og(request, title=f"{year}年政务公开主题日活动计划", description=f"{found.title}：共{len(found.rows)}项活动。"),
    })


@cached(lambda code: [scope.programme(code), scope.plan(code)])
def plan_xlsx(request, code: str):
    found = selectors.plan_workbook(code)
    if found is None:
        return not_found(request)
    filename, content = found
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@cached(lambda code, pk: [scope.programme(code), scope.activity(pk)])
def activity(request, code: str, pk: int):
    found = selectors.activity(code, pk)
    if found is None:
        return not_found(request)
    first = found.photos[0] if found.photos else None
    image = reverse("public:photo", args=[code, found.id, first.id, first.extension]) if first else None
    return _page(request, "public/activity.html", {
        "activity": found, "programme": found.programme, "section": "plan",
        "og": _og(request, title=f"{found.unit}：{found.theme}", description=found.description, image=image,
                  image_alt=first.alt if first else "", kind="article"),
    })


@cached(lambda code: _programme_scopes(code, scope.exemplary(code)))
def exemplary(request, code: str):
    found = selectors.exemplary(code)
    if found is None:
        return not_found(request)
    programme, items = found
    return _page(request, "public/exemplary.html", {
        "programme": programme, "items": items, "section": "exemplary",
        "og": _og(request, title=f"{programme.year}年政务公开主题日典型经验", description=f"共{len(items)}项可复制可推广的典型经验。"),
    })


@cached(lambda code: _programme_scopes(code, scope.results(code)))
def results(request, code: str):
    found = selectors.results(code)
    if found is None:
        return not_found(request)
    programme = found.programme
    return _page(request, "public/results.html", {
        "results": found, "programme": programme, "section": "results",
        "og": _og(request, title=f"{programme.year}年政务公开主题日考核结果", description=f"{programme.name}的考核结果。"),
    })


@require_safe
def photo(request, code: str, pk: int, evidence_id: int, extension: str):
    """A photo marked public, of a held activity; its ETag is the SHA-256 of its content."""
    found = remembered(request, [scope.programme(code), scope.activity(pk)], "photo", lambda: selectors.photo(code, pk, evidence_id))
    if found is None or found.extension != extension:
        return serve(request, [scope.programme(code), scope.activity(pk)], lambda: not_found(request))
    etag = f'"{found.sha256}"'
    unchanged = get_conditional(request, etag)
    if unchanged is not None:
        return unchanged
    response = FileResponse(default_storage.open(found.name, "rb"), content_type=found.content_type)
    response["Content-Disposition"] = f'inline; filename="photo-{evidence_id}.{found.extension}"'  # never the uploaded name
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return public_headers(response, etag=etag, modified=None)


def get_conditional(request, etag: str) -> HttpResponse | None:
    """304 when the client already holds `etag`, else None."""
    probe = public_headers(HttpResponse(), etag=etag, modified=None)
    answer = get_conditional_response(request, etag=etag, response=probe)
    return answer if answer.status_code == 304 else None


# ------------------------------------------------------------------ audit anchors

@cached(lambda: [scope.ANCHORS])
def anchors(request):
    items = [{**a, "at": dt.datetime.fromisoformat(a["created_at"])} for a in reversed(selectors.audit_anchors())]
    return _page(request, "public/anchors.html", {
        "anchors": items, "algorithm": trail_anchors.ALGORITHM, "section": "anchors",
        "og": _og(request, title="审计日志锚点", description="审计日志检查点的时间、事件数、哈希与签名，供任何人保存并日后核对。"),
    })


@cached(lambda: [scope.ANCHORS])
def anchors_json(request):
    return JsonResponse(trail_anchors.document(selectors.audit_anchors()), json_dumps_params={"ensure_ascii": False, "indent": 1})


# ------------------------------------------------------------------ embeddable snippet and robots.txt

def _embed_context(request) -> dict:
    """Absolute links: the list is shown inside another website's page."""
    return {"items": selectors.feed_items(limit=10), "origin": request.build_absolute_uri("/")[:-1],
            "column": request.build_absolute_uri(reverse("public:index"))}


@cached(lambda: [scope.FEED, scope.PROGRAMMES], frameable=True)
def embed(request):
    """A whole small page for an <iframe> on a government website: no script."""
    return _page(request, "public/embed.html", _embed_context(request))


@cached(lambda: [scope.FEED, scope.PROGRAMMES], frameable=True)
def embed_snippet(request):
    """The same list as an HTML fragment, for a website that includes it in its own page (no script, no style)."""
    return _page(request, "public/_embed_list.html", _embed_context(request))


@require_safe
def robots(request):
    """`/robots.txt`: the public column and its sitemap; nothing behind the login."""
    sitemap = request.build_absolute_uri(reverse("public:sitemap"))
    text = f"User-agent: *\nAllow: /gongkai/\nAllow: /static/\nDisallow: /\n\nSitemap: {sitemap}\n"
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
