"""The office's schedule page, the year's calendar, and the official downloads.

The schedule page is the office scheduler's (Action.SCHEDULE; anybody else logged in
gets the Chinese 403 page). Publishing goes through `services.schedule_publish` (every
listed declaration and its schedule task, one transaction); a reschedule through
`services.declaration_reschedule`. Refusals come back next to their row. Reads go
through `selectors`; the files through `workflow.exports`, each download audited.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from policies.models import Programme
from workflow import exports, selectors, services
from workflow.actions import Action
from workflow.errors import RuleViolation, TransitionConflict
from workflow.forms import PublishForm, RescheduleForm, add_problems
from workflow.models import ScheduleVersion, State
from workflow.permissions import authorize
from workflow.views.common import CONFIRM_MISSING, confirmed, download, programme_or_404, service_errors

# ------------------------------------------------------------------ the schedule page

def _schedule_page(request, programme: Programme, *, publish_form=None, reschedule: dict | None = None):
    board = selectors.schedule_board(request.user, programme)
    if publish_form is None:
        publish_form = PublishForm(declarations=board.reviewed, programme=programme)
    reschedule = reschedule or {}
    placed = [
        (d, reschedule.get(d.pk) or RescheduleForm(prefix=f"r{d.pk}", initial={"month": d.scheduled_month}, programme=programme)
         if d.state == State.SCHEDULED else None)
        for d in board.placed
    ]
    load = board.load(publish_form.months())
    return render(request, "workflow/schedule.html", {
        "programme": programme, "publish_form": publish_form, "placed": placed, "load": load,
        "warnings": board.warnings(load), "versions": board.versions,
    })


@login_required
@service_errors
def schedule_page(request, code: str | None = None):
    programme = programme_or_404(code)
    authorize(request.user, Action.SCHEDULE)
    return _schedule_page(request, programme)


@login_required
@require_POST
@service_errors
def schedule_publish(request, code: str):
    programme = programme_or_404(code)
    authorize(request.user, Action.SCHEDULE)
    reviewed = selectors.schedule_board(request.user, programme).reviewed
    form = PublishForm(request.POST, declarations=reviewed, programme=programme)
    if not confirmed(request):
        form.add_error(None, CONFIRM_MISSING)
    if form.is_valid():
        try:
            version = services.schedule_publish(programme=programme, by=request.user, months=form.months())
        except RuleViolation as violation:
            add_problems(form, violation, aliases=form.aliases())
        except TransitionConflict as conflict:
            messages.error(request, conflict.message)
            return redirect("workflow:schedule", code=programme.code)
        else:
            messages.success(request, gettext("Schedule version %(number)s published.") % {"number": version.number})
            return redirect("workflow:schedule", code=programme.code)
    return _schedule_page(request, programme, publish_form=form)


@login_required
@require_POST
@service_errors
def schedule_reschedule(request, code: str, pk: int):
    programme = programme_or_404(code)
    declaration = selectors.declaration_get(request.user, pk)
    if declaration.programme_id != programme.pk:
        raise Http404(gettext("Not found, or you may not see it."))
    authorize(request.user, Action.RESCHEDULE, declaration)
    form = RescheduleForm(request.POST, prefix=f"r{declaration.pk}", programme=programme)
    if form.is_valid():
        try:
            services.declaration_reschedule(
                declaration=declaration, by=request.user, month=form.cleaned_data["month"], reason=form.cleaned_data["reason"],
            )
        except RuleViolation as violation:
            add_problems(form, violation)
        except TransitionConflict as conflict:
            messages.error(request, conflict.message)
            return redirect("workflow:schedule", code=programme.code)
        else:
            messages.success(request, gettext("%(unit)s rescheduled; a new schedule version was published.") % {"unit": declaration.unit.name})
            return redirect("workflow:schedule", code=programme.code)
    return _schedule_page(request, programme, reschedule={declaration.pk: form})


# ------------------------------------------------------------------ calendar

@login_required
def calendar(request, code: str | None = None):
    """April–November of the programme year: the office sees every unit, a unit its own."""
    programme = programme_or_404(code)
    latest = None
    if exports.may_read_schedule(request.user):
        latest = ScheduleVersion.objects.filter(programme=programme).order_by("-number").first()
    return render(request, "workflow/calendar.html", {
        "programme": programme, "months": selectors.calendar_of(request.user, programme), "latest": latest,
    })


# ------------------------------------------------------------------ downloads (audited)

@login_required
@service_errors
def schedule_xlsx(request, code: str, number: int):
    version = exports.published_version(request.user, code, number)
    with transaction.atomic():
        content = exports.export_xlsx(version, by=request.user)
    return download(content, content_type=exports.XLSX, filename=exports.schedule_filename(version))


# The 申报表 as a file: how each kind is made, what it is, and whether it opens in the browser
# (the PDF, behind the 打印 button) or downloads (the DOCX, to edit).
DECLARATION_FORMS = {
    "docx": (exports.export_docx, exports.DOCX, "attachment"),
    "pdf": (exports.export_pdf, exports.PDF, "inline"),
}


@login_required
@service_errors
def declaration_form(request, pk: int, kind: str):
    """The declaration's 申报表 as DOCX or PDF: whoever may see the declaration; 404 for anyone else."""
    declaration = selectors.declaration_get(request.user, pk)
    make, content_type, disposition = DECLARATION_FORMS[kind]
    with transaction.atomic():
        content = make(declaration, by=request.user)
    response = download(content, content_type=content_type, filename=exports.declaration_filename(declaration, kind))
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", disposition)
    return response
