"""One mapping from the services' errors to HTTP (DESIGN §8).

- RuleViolation → 400 `{field: [messages]}`: the same Chinese messages the pages show,
  because they come from the same service call; non-field messages under `"__all__"`.
- PermissionRefused → 403, NotFound → 404, TransitionConflict → 409, as `{"detail": …}`.
- DRF's own errors (malformed JSON, wrong types, 401) keep their status and DRF's
  Chinese messages; views raise NotFound themselves for what the caller may not see.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from workflow.errors import RuleViolation, ServiceError


def exception_handler(exc, context):
    if isinstance(exc, RuleViolation):
        return Response(exc.by_field(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ServiceError):
        # PermissionRefused 403, NotFound 404, TransitionConflict 409 (workflow.errors).
        return Response({"detail": exc.message}, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到，或您无权查看。")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
