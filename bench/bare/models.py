"""The bare stack: what the product would be with nothing but Django, django-fsm-2 and viewflow.

`BareDoc` is a document with one protected FSM transition (permission checked by
django-fsm-2 itself) and `BareAudit` a plain audit row: the baseline of "one audited
transition". `BareProcess` binds a `BareDoc` to the bare viewflow flow (bench.bare.flows).
"""
from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from viewflow.workflow.models import Process


class BareDoc(ConcurrentTransitionMixin, models.Model):
    state = FSMField(default="submitted", protected=True, db_index=True)
    unit_id = models.BigIntegerField(db_index=True)
    title = models.CharField(max_length=200)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True)

    class Meta:
        permissions = [("approve_baredoc", "approve a bare document")]

    @transition(field=state, source="submitted", target="reviewed", permission="bare.approve_baredoc")
    def approve(self, *, user, when):
        self.reviewed_by, self.reviewed_at = user, when


class BareAudit(models.Model):
    doc = models.ForeignKey(BareDoc, on_delete=models.PROTECT)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16)
    to_state = models.CharField(max_length=16)
    created_at = models.DateTimeField()


class BareProcess(Process):
    class Meta:
        proxy = True
