from workflow.audit import verify
from workflow.models import AuditEvent, State


def test_a_declaration_travels_the_whole_main_line(world):
    d = world.declaration("evaluated")
    assert d.state == State.EVALUATED
    actions = list(AuditEvent.objects.filter(declaration=d).order_by("seq").values_list("action", flat=True))
    assert actions == ["create", "submit", "approve", "schedule", "hold", "summarize", "evaluate"]
    assert verify().ok
