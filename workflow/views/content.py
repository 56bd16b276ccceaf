"""What a declaration says, as the pages show it: the 申报表's fields, the holding, the evidence
and the history. The declaration page and the task pages where someone decides (seal, review,
evaluate) show the same pieces (templates/workflow/_declaration_content.html).
"""
from __future__ import annotations

from workflow.actions import EVENT_LABELS
from workflow.models import Declaration, State, state_label
from workflow.reports import changed_labels
from workflow.selectors import awaiting_seal, evidence_of, history_of, last_send_back


def form_fields(declaration: Declaration) -> list[tuple[str, str]]:
    """Every field of the 申报表 with its label, as the programme names its codes."""
    programme = declaration.programme
    values = [
        ("theme", declaration.theme),
        ("month", f"{declaration.month}月" if declaration.month else ""),
        ("form", programme.label("forms", declaration.form) if declaration.form else ""),
        ("focus_topic", programme.label("focus_topics", declaration.focus_topic) if declaration.focus_topic else ""),
        ("description", declaration.description), ("banner", declaration.banner),
        ("contact_name", declaration.contact_name), ("contact_phone", declaration.contact_phone),
    ]
    return [(Declaration._meta.get_field(name).verbose_name, value) for name, value in values]


def history_rows(declaration: Declaration, events=None) -> list[dict]:
    """The declaration's audit events (`events`, if the caller read them already), oldest first, in words."""
    rows = []
    for event in history_of(declaration) if events is None else events:
        actor = (event.actor.get_full_name() or event.actor.first_name or event.actor.username) if event.actor else "—"
        changed = dict(event.changed or {})
        principal = changed.pop("on_behalf_of", None)  # 代理 (workflow.handover): 张三（代李四办理）
        if isinstance(principal, dict):
            actor = f"{actor}（代{principal.get('name') or principal.get('username')}办理）"
        rows.append({
            "event": event, "actor": actor,
            "label": EVENT_LABELS.get(event.action, event.action),
            "from_state": state_label(event.from_state), "to_state": state_label(event.to_state),
            "fields": "、".join(changed_labels(changed)),
        })
    return rows


def evidence_rows(declaration: Declaration) -> list[tuple]:
    """Each evidence file with the name of its publicity channel (if any)."""
    programme = declaration.programme
    return [(item, programme.label("publicity_channels", item.channel) if item.channel else "") for item in evidence_of(declaration)]


def holding(declaration: Declaration) -> dict | None:
    """The recorded holding as labels and values."""
    if not declaration.held_on:
        return None
    programme = declaration.programme
    participants = declaration.participants if isinstance(declaration.participants, dict) else {}
    form = next((f for f in programme.forms if f["code"] == declaration.form), None)
    facts = declaration.form_facts if isinstance(declaration.form_facts, dict) else {}
    return {
        "participants": [(c["label"], participants.get(c["code"], 0)) for c in programme.participant_categories],
        "publicity": [
            {**item, "label": programme.label("publicity_channels", item.get("channel", ""))}
            for item in declaration.publicity if isinstance(item, dict)
        ] if isinstance(declaration.publicity, list) else [],
        "facts": [(f["label"], facts.get(f["code"], "")) for f in (form["facts"] if form else [])],
    }


def stage_label(declaration: Declaration) -> str:
    """The declaration's state as a person reads it: a draft waiting for the leader's seal is 待盖章."""
    if declaration.state == State.DRAFTED and awaiting_seal([declaration.pk]):
        return state_label(State.DRAFTED, awaiting_seal=True)
    return state_label(declaration.state)


def content(declaration: Declaration, *, events=None) -> dict:
    """Everything `_declaration_content.html` shows (`events`: its history, if read already)."""
    return {
        "fields": form_fields(declaration), "holding": holding(declaration), "evidence": evidence_rows(declaration),
        "history": history_rows(declaration, events),
    }


def send_back_note(declaration: Declaration) -> str:
    """The unit leader's note from the last time they sent the draft back to the operator, while
    that is why the operator revises it (nothing handed over or returned by the office since)."""
    return last_send_back(declaration) if declaration.state == State.DRAFTED else ""
