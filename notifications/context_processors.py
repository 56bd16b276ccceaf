from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def bell(request):
    """The number of unread messages for the bell on every page, counted only where a page shows it."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"unread_messages": SimpleLazyObject(lambda: unread_count(user))}
