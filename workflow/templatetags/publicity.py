"""`{% may_set_photo_publicity declaration as allowed %}`: whether the person looking at the
declaration page may mark its photos public or private (`permissions.may_set_evidence_publicity`)."""
from django import template

from workflow.permissions import may_set_evidence_publicity

register = template.Library()


@register.simple_tag(takes_context=True)
def may_set_photo_publicity(context, declaration) -> bool:
    return declaration.state != "cancelled" and may_set_evidence_publicity(context["request"].user, declaration)
