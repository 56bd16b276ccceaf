"""JSON API under /api/ (issue 7)."""
urlpatterns: list = []
