"""Feeds for the government website and new media: RSS 2.0 (Django's syndication framework) and
JSON Feed 1.1, both the newest 50 items of `selectors.feed_items`, served through the cache."""
from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed

from gongkai import selectors
from gongkai.cache import cached
from workflow import publication as scope

TITLE = "政务公开主题日专栏"
DESCRIPTION = "各单位政务公开主题日活动的安排、举办情况和典型经验，新的在前。"
KINDS = {"scheduled": "活动安排", "held": "活动举办", "exemplary": "典型经验"}


def _item_path(item: selectors.FeedItem) -> str:
    return reverse("public:activity", args=[item.programme, item.activity])


class ActivityFeed(Feed):
    feed_type = Rss201rev2Feed
    title = TITLE
    description = DESCRIPTION
    language = "zh-cn"

    def link(self) -> str:
        return reverse("public:index")

    def feed_url(self) -> str:
        return reverse("public:rss")

    def items(self) -> list[selectors.FeedItem]:
        return selectors.feed_items()

    def item_title(self, item: selectors.FeedItem) -> str:
        return item.title

    def item_description(self, item: selectors.FeedItem) -> str:
        return item.summary

    def item_link(self, item: selectors.FeedItem) -> str:
        return _item_path(item)

    def item_guid(self, item: selectors.FeedItem) -> str:
        return f"{_item_path(item)}#{item.kind}"  # one activity is scheduled, held and exemplary: three items

    item_guid_is_permalink = False

    def item_pubdate(self, item: selectors.FeedItem):
        return item.at

    def item_categories(self, item: selectors.FeedItem) -> list[str]:
        return [KINDS[item.kind]]


@cached(lambda: [scope.FEED, scope.PROGRAMMES])
def rss(request):
    return ActivityFeed()(request)


@cached(lambda: [scope.FEED, scope.PROGRAMMES])
def json_feed(request):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    absolute = request.build_absolute_uri
    items = [
        {
            "id": absolute(f"{_item_path(item)}#{item.kind}"), "url": absolute(_item_path(item)), "title": item.title,
            "content_text": item.summary, "date_published": item.at.isoformat(), "tags": [KINDS[item.kind]],
        }
        for item in selectors.feed_items()
    ]
    return JsonResponse(
        {"version": "https://jsonfeed.org/version/1.1", "title": TITLE, "description": DESCRIPTION, "language": "zh-CN",
         "home_page_url": absolute(reverse("public:index")), "feed_url": absolute(reverse("public:json_feed")), "items": items},
        content_type="application/feed+json; charset=utf-8", json_dumps_params={"ensure_ascii": False},
    )
