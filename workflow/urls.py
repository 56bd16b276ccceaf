"""Pages (issue 4)."""
urlpatterns: list = []
