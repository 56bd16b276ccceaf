"""Request middleware: an id that audit events carry (echoed back), and no control characters
in the URL."""
from __future__ import annotations

import re
import unicodedata
import uuid

from django.core.exceptions import BadRequest
from django.http import Http404, JsonResponse

from workflow.audit import request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


class ControlCharacterMiddleware:
    """No control character (NUL, the C0 and C1 controls, DEL) reaches a view from the URL.

    Codes and ids in paths and query strings are plain printable text; PostgreSQL refuses NUL in
    a text comparison with an error that would be a 500. A path with one names nothing (404), a
    query string with one is malformed (400); JSON under /api/, the pages' own pages elsewhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        if _has_control_character(request.path_info):
            if api:
                return JsonResponse({"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False})
            raise Http404("未找到该页面。")
        if any(_has_control_character(key) or any(_has_control_character(v) for v in values)
               for key, values in request.GET.lists()):
            message = "请求参数含有控制字符，无法处理。"
            if api:
                return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
            raise BadRequest(message)
        return self.get_response(request)
