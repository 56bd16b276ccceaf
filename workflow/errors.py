"""The errors a service raises, each with a Chinese message a user can act on.

Pages show them as form errors or messages, the API maps them to status codes:
RuleViolation → 400 (per field), PermissionRefused → 403, NotFound → 404,
TransitionConflict → 409.
"""
from __future__ import annotations

from collections.abc import Iterable

from policies.rules import NON_FIELD, Problem


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RuleViolation(ServiceError):
    """One or more policy rules refused the input. Nothing was saved."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("；".join(p.message for p in self.problems))

    def by_field(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for problem in self.problems:
            result.setdefault(problem.field or NON_FIELD, []).append(problem.message)
        return result

    @classmethod
    def single(cls, field: str, message: str, code: str) -> RuleViolation:
        return cls([Problem(field, message, code)])


class PermissionRefused(ServiceError):
    status = 403


class NotFound(ServiceError):
    """Missing and not-yours look the same (DESIGN §3: 404, not 403)."""

    status = 404

    def __init__(self, message: str = "未找到该申报，或您无权查看。"):
        super().__init__(message)


class TransitionConflict(ServiceError):
    """Not allowed in the current state, or lost to someone acting at the same time."""

    status = 409
