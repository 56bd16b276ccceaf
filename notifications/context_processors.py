from django.utils.functional import SimpleLazyObject

from notifications.selectors import bell_text


def bell(request):
    """The number of unread messages for the bell, counted only where a page shows it: a page that
    does not (the public column) never reads the session, so its answer varies by no cookie."""

    def count() -> str:
        user = getattr(request, "user", None)
        return bell_text(user) if user is not None and user.is_authenticated else "0"

    return {"unread_messages": SimpleLazyObject(count)}
