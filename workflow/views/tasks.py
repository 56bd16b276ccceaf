"""One page per human task of `workflow.flows.DeclarationFlow`.

The dispatcher (`workflow.views.inbox.task_page`) finds the task through the scoped
inbox (404 for missing and not-yours alike) and puts its activation on the request.
Each page parses its form and calls ONE service, which completes the task itself.
Service refusals come back as form errors.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from django.views.generic.base import TemplateResponseMixin

from workflow import forms, services
from workflow.assessment import indicator_scores_for
from workflow.errors import RuleViolation, TransitionConflict
from workflow.models import Declaration
from workflow.selectors import declaration_get
from workflow.views import content


class TaskPage(TemplateResponseMixin, View):
    """GET shows the form; POST runs the task's one service (which completes the task)."""

    template_name = "workflow/task.html"
    title = ""
    intro = ""
    submit_label = _("Submit")
    shows_content = False  # the whole declaration above the decision (seal, review, evaluate)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.activation = getattr(request, "activation", None)
        self.notices: list[str] = []  # accepted, but worth a warning (e.g. a late summary)

    @property
    def declaration(self) -> Declaration:
        """The task's declaration as the page shows it (loaded when first asked for)."""
        if not hasattr(self, "_declaration"):
            self._declaration = declaration_get(self.request.user, self.declaration_id)
        return self._declaration

    @property
    def declaration_id(self) -> int:
        """What a step whose service needs nothing else passes it: the service loads and locks the
        row itself, and checks visibility (404), permission (403) and state (409) on it."""
        return self.activation.process.artifact_object_id

    def get_form(self, data=None):
        raise NotImplementedError

    def perform(self, form) -> Declaration:
        """Call the one service of this step; return the declaration it changed, as saved."""
        raise NotImplementedError

    def aliases(self, form) -> dict:
        return form.aliases() if hasattr(form, "aliases") else {}

    def render(self, form, status=200):
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def get_context_data(self, **context):
        declaration = self.declaration
        return {
            "view": self, "task": self.activation.task if self.activation else None,
            "declaration": declaration, "title": self.title, "intro": self.intro,
            "submit_label": self.submit_label, "stage": content.stage_label(declaration),
            "send_back_note": content.send_back_note(declaration),
            **({"show_content": True, **content.content(declaration)} if self.shows_content else {}),
            **context,
        }

    def get(self, request, *args, **kwargs):
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                self.perform(form)
            except RuleViolation as violation:
                forms.add_problems(form, violation, aliases=self.aliases(form))
            except TransitionConflict as conflict:
                messages.error(request, conflict.message)
                return redirect("workflow:declaration", pk=self.declaration.pk)
            else:
                messages.success(request, gettext("Done: %(step)s") % {"step": self.title})
                for notice in self.notices:
                    messages.warning(request, notice)
                return redirect("workflow:inbox")
        return self.render(form)


class ReviseView(TaskPage):
    """The operator edits the draft, seeing why it came back (the office's reason)."""

    template_name = "workflow/declaration_form.html"
    title = _("Revise the declaration")
    submit_label = _("Save and hand to the unit leader")

    def get_form(self, data=None):
        return forms.DeclarationForm.for_declaration(self.declaration, data)

    def get_context_data(self, **context):
        d = self.declaration
        return {**super().get_context_data(**context), "unit": d.unit, "programme": d.programme}

    def perform(self, form):
        return services.declaration_hand_over(declaration=self.declaration_id, by=self.request.user, data=form.values())


class SealView(TaskPage):
    title = _("Seal and submit")
    shows_content = True
    intro = _("As the unit leader, check the declaration, then seal it with the unit's seal and submit it to the office, or send it back to the operator.")

    def get_form(self, data=None):
        return forms.SealForm(data, initial={"decision": "submit"})

    def perform(self, form):
        if form.cleaned_data["decision"] == "submit":
            return services.declaration_submit(declaration=self.declaration_id, by=self.request.user)
        return services.declaration_send_back(declaration=self.declaration_id, by=self.request.user, reason=form.cleaned_data["note"])


class ReviewView(TaskPage):
    title = _("Review")
    shows_content = True
    intro = _("Approve the declaration, or return it to the unit with a reason the unit will see.")

    def get_form(self, data=None):
        return forms.ReviewForm(data)

    def perform(self, form):
        if form.cleaned_data["decision"] == "approve":
            return services.declaration_approve(declaration=self.declaration_id, by=self.request.user)
        return services.declaration_return(declaration=self.declaration_id, by=self.request.user, reason=form.cleaned_data["reason"])


class ScheduleView(TaskPage):
    title = _("Schedule")
    intro = _("Put the activity in the published schedule (活动计划安排表).")

    def get_form(self, data=None):
        d = self.declaration
        return forms.ScheduleForm(data, programme=d.programme, initial={"month": d.scheduled_month or d.month})

    def perform(self, form):
        return services.declaration_schedule(declaration=self.declaration_id, by=self.request.user, month=form.cleaned_data["month"])


class HoldView(TaskPage):
    template_name = "workflow/hold_form.html"
    title = _("Record the activity")
    intro = _("Record when and where the activity was held, who took part, the banner, the LOGO (with a photo) and the publicity on each channel.")

    def get_form(self, data=None):
        return forms.HoldForm(data, self.request.FILES if data is not None else None, declaration=self.declaration)

    def get_context_data(self, **context):
        return {**super().get_context_data(**context), "max_upload": settings.EVIDENCE_MAX_UPLOAD_BYTES}

    def perform(self, form):
        held = services.declaration_hold(
            declaration=self.declaration, by=self.request.user, evidence=form.evidence(), uploads=form.uploads(),
        )
        if held.held_outside_schedule:
            self.notices.append(gettext(
                "Recorded. The activity was held on %(date)s, outside its scheduled month (%(month)s); the office will see this."
            ) % {"date": held.held_on.isoformat(), "month": held.scheduled_month})
        return held


class SummarizeView(TaskPage):
    title = _("Summarize")
    intro = _("Summarize the activity into replicable experience: what you did, the results, the experience.")

    def get_form(self, data=None):
        return forms.SummaryForm(data)

    def get_context_data(self, **context):
        due = self.declaration.summary_due_on
        return {**super().get_context_data(**context), "intro": " ".join(filter(None, [
            str(self.intro), due and gettext("Due by %(date)s.") % {"date": due.isoformat()},
        ]))}

    def perform(self, form):
        data = form.cleaned_data
        summarized = services.declaration_summarize(
            declaration=self.declaration, by=self.request.user, nominate=data["nominate"],
            summary={name: data[name] for name in services.SUMMARY_FIELDS},
        )
        if summarized.summary_late:
            self.notices.append(gettext(
                "Recorded. The summary was due by %(date)s and is late; the office will see this."
            ) % {"date": summarized.summary_due_on.isoformat()})
        return summarized


class EvaluateView(TaskPage):
    template_name = "workflow/assessment_evaluate.html"
    title = _("Evaluate")
    shows_content = True
    intro = _("Score the manual indicators of the assessment and write a comment.")

    def get_context_data(self, **context):
        """Beside the fields: the unit's indicators as computed from the audit trail so far. The
        assessor's own indicators are the fields themselves, each with its own range and full
        marks; listed among the computed ones too, they showed a second "full marks" (the weight)."""
        manual = {indicator["code"] for indicator in self.declaration.programme.manual_indicators()}
        computed = [score for score in indicator_scores_for(self.declaration) if score.code not in manual]
        return {**super().get_context_data(**context), "computed": computed}

    def get_form(self, data=None):
        return forms.EvaluateForm(data, programme=self.declaration.programme)

    def perform(self, form):
        return services.declaration_evaluate(
            declaration=self.declaration, by=self.request.user, scores=form.scores(), comment=form.cleaned_data["comment"],
        )
