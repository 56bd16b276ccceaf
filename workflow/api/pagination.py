from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=` (from 1) and `?page_size=` (1 to 500 rows a page), whole numbers or a 400, as the
    OpenAPI document says; a page past the end is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def _whole(self, request, name: str, *, top: int | None = None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or (top is not None and int(raw) > top):
            bound = f"1至{top}之间" if top else "不小于1"
            raise ValidationError({name: [f"须为{bound}的整数。"]})
        return int(raw)

    def get_page_size(self, request):
        return self._whole(request, self.page_size_query_param, top=self.max_page_size) or self.page_size

    def get_page_number(self, request, paginator):
        return self._whole(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
