"""The bare viewflow flow: one human task (claim with viewflow's own assign view, then
execute with a view that fires the bare transition and writes the bare audit row)."""
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.views.generic import View
from django_fsm import has_transition_perm
from viewflow import this
from viewflow.workflow import flow, lock

from bench.bare.models import BareAudit, BareDoc, BareProcess


class BareApproveView(View):
    """POST: transition + audit row + task completion.

    viewflow's wrapper (`wrap_view`) already holds the process lock and the transaction
    and has started the task.
    """

    def post(self, request, *args, **kwargs):
        activation = request.activation
        doc = BareDoc.objects.select_for_update().get(pk=activation.process.artifact_object_id)
        if not has_transition_perm(doc.approve, request.user):
            raise PermissionDenied
        doc.approve(user=request.user, when=timezone.now())
        doc.save()
        BareAudit.objects.create(doc=doc, actor=request.user, action="approve", from_state="submitted",
                                 to_state=doc.state, created_at=timezone.now())
        activation.execute()
        return HttpResponseRedirect("/")


class BareFlow(flow.Flow):
    process_class = BareProcess
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Next(this.approve)
    approve = flow.View(BareApproveView.as_view()).Permission("bare.approve_baredoc").Next(this.end)
    end = flow.End()

    def start_process(self, activation, *, doc):
        activation.process.artifact = doc
        return activation.process
