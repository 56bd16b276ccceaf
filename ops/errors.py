"""Error answers: JSON under /api/ for every status (500 included), the product's own
Chinese pages elsewhere (templates/400.html, 403.html, 404.html, 500.html).

A body larger than Django accepts (DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields) is answered
413 with its own message, not a generic 400.
"""
from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.views import defaults

API = "/api/"
TOO_LARGE = "提交的内容过大或字段过多，已拒绝；请缩减后重试（上传证据请逐个文件提交）。"


def _is_api(request) -> bool:
    return request.path.startswith(API)


def _json(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})


def _too_large(exception) -> bool:
    return isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent)


def bad_request(request, exception, template_name="400.html"):
    if _too_large(exception):
        if _is_api(request):
            return _json(413, TOO_LARGE)
        response = defaults.bad_request(request, exception, template_name="413.html")
        response.status_code = 413
        return response
    if _is_api(request):
        return _json(400, "请求无法处理：格式不正确。")
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name="403.html"):
    if _is_api(request):
        return _json(403, str(exception) if str(exception) else "您无权执行此操作。")
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name="404.html"):
    if _is_api(request):
        return _json(404, "未找到。")
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name="500.html"):
    if _is_api(request):
        return _json(500, "服务器内部错误，已记录；请稍后再试，或联系系统管理员。")
    return defaults.server_error(request, template_name)
