from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 500 rows a page)."""

    page_size_query_param = "page_size"
    max_page_size = 500
