"""Evidence files: adding one to an activity, and reading one back.

Files are never served from MEDIA_URL. `evidence_file` answers only after
`selectors.evidence_get` found the file on a declaration the person may see: another
unit, and anyone not logged in, get the same 404 as a missing file.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from workflow import services
from workflow.errors import RuleViolation, TransitionConflict
from workflow.forms import EvidenceForm
from workflow.publicity import evidence_set_public
from workflow.selectors import declaration_get, evidence_get
from workflow.views.common import service_errors


@require_GET
@service_errors
def evidence_file(request, pk: int, evidence_pk: int):
    evidence = evidence_get(request.user, pk, evidence_pk)
    response = FileResponse(
        evidence.file.open("rb"), content_type=evidence.content_type,
        as_attachment=not evidence.is_image, filename=evidence.original_name,
    )
    response["Cache-Control"] = "private, max-age=0"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@login_required
@require_POST
@service_errors
def evidence_add(request, pk: int):
    """One file from the declaration page; refusals come back as messages on that page."""
    declaration = declaration_get(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES, programme=declaration.programme)
    if form.is_valid():
        try:
            [evidence] = services.evidence_upload(declaration=declaration, by=request.user, uploads=[form.upload()])
        except (RuleViolation, TransitionConflict) as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, gettext("Evidence added: %(name)s") % {"name": evidence.original_name})
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect(reverse("workflow:declaration", args=[declaration.pk]) + "#evidence")


@login_required
@require_POST
@service_errors
def evidence_publicity(request, pk: int, evidence_pk: int):
    """Mark one photo public (`public=1`: shown on the public column once held) or private (`public=0`)."""
    declaration = declaration_get(request.user, pk)
    public = request.POST.get("public")
    if public not in ("0", "1"):
        messages.error(request, "请选择在专栏公开或取消公开。")
    else:
        try:
            evidence = evidence_set_public(declaration=declaration, evidence_id=evidence_pk, by=request.user, public=public == "1")
        except (RuleViolation, TransitionConflict) as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"“{evidence.original_name}”{'已在专栏公开' if evidence.public else '已取消公开'}。")
    return redirect(reverse("workflow:declaration", args=[declaration.pk]) + "#evidence")
