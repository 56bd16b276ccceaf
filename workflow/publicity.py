"""Which photos the public column shows (issue 19): marking a photo public or private.

A unit's operator or leader, or the office's reviewers and schedulers, mark each photo on the
declaration page (`permissions.may_set_evidence_publicity`). Only images may be public, never
PDFs; the public column shows a public photo once its activity has been held
(`gongkai.selectors`). Every mark is one audit event on the declaration's chain, in the same
transaction, and the activity's public page changes when it commits.
"""
from __future__ import annotations

from django.db import transaction

from workflow import audit, publication
from workflow.errors import NotFound, PermissionRefused, RuleViolation, TransitionConflict
from workflow.models import Declaration, Evidence, State
from workflow.permissions import can_view, may_set_evidence_publicity

ACTION = "evidence_publicity"
MISSING = "未找到该文件，或您无权查看。"


def evidence_set_public(*, declaration: Declaration | int, evidence_id, by, public: bool) -> Evidence:
    """Mark one photo of `declaration` public (shown on the column) or private (not shown)."""
    pk = declaration.pk if isinstance(declaration, Declaration) else declaration
    public = bool(public)
    with transaction.atomic():
        try:
            locked = Declaration.objects.select_for_update(of=("self",)).select_related("programme", "unit").get(pk=pk)
        except Declaration.DoesNotExist:
            raise NotFound() from None
        if not can_view(by, locked):
            raise NotFound()
        if not may_set_evidence_publicity(by, locked):
            raise PermissionRefused("只有本单位的填报人、负责人或区政务公开办审核、统筹人员可以设置照片是否公开。")
        try:
            evidence = Evidence.objects.select_for_update().get(pk=int(evidence_id), declaration=locked)
        except (Evidence.DoesNotExist, TypeError, ValueError):
            raise NotFound(MISSING) from None
        if evidence.public == public:
            return evidence
        if public and locked.state == State.CANCELLED:
            raise TransitionConflict("活动已取消，照片不能在专栏公开。")
        if public and not evidence.is_image:
            raise RuleViolation.single("public", f"“{evidence.original_name}”不是照片：专栏只公开照片，PDF 文件不能公开。", "evidence_not_photo")
        audit.record(
            action=ACTION, actor=by, declaration=locked, from_state=locked.state, to_state=locked.state,
            changed={"evidence": evidence.pk, "public": [evidence.public, public]},
        )
        evidence.public = public
        evidence.save(update_fields=["public"])
        locked.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
        publication.after_action(locked, action=ACTION, from_state=locked.state)
    return evidence
