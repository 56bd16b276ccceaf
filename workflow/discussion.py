"""审批意见与讨论: comments on a declaration, office-only notes, and @mentions (issue 21).

Who sees a comment is who sees its declaration (`permissions.can_view`); an office-only note
(内部备注) is seen by the office alone — never by the unit, on the pages, in the API or in the
declaration's history (`selectors.history_of` leaves its audit events out for unit people).

`@登录名` or `@姓名` in a comment tells that person (a DISCUSSION message) when they may see
the comment; anyone else named is told nothing, and the author learns only that these names
were not notified — the same words for a person who does not exist and one who may not see
it, so nothing about another unit leaks. Posting and editing lock the declaration's row (the
audit chain's head) and write one audit event each, in one transaction with the messages.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from notifications.models import Kind
from notifications.outbox import Note, write
from policies import rules
from workflow import audit, locking
from workflow.errors import NotFound, PermissionRefused, RuleViolation
from workflow.models import Comment, Declaration
from workflow.notify import declaration_url
from workflow.permissions import can_view, is_office
from workflow.selectors import OFFICE_ONLY_EVENTS, declaration_get

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_LENGTH = 2000
EDIT_WINDOW = dt.timedelta(minutes=5)
MAX_MENTIONS = 10  # names looked up per comment: more are not notified (and the author is told)
# "@" after a letter or digit of Latin script is an e-mail address, not a mention ("请@张三" is one).
MENTION = re.compile(r"(?<![A-Za-z0-9._%+-])@([^\s@,，。；;：:、！!？?（）()《》“”\"'<>]{1,30})")

# Audit actions (workflow.actions.EVENT_LABELS); the office-only ones never reach a unit's history.
POSTED, EDITED = "comment", "edit_comment"
NOTE_POSTED, NOTE_EDITED = OFFICE_ONLY_EVENTS

NOT_FOUND = "未找到该意见，或您无权查看。"


@dataclass
class Posted:
    """A comment as saved, who was told of it, and the names that told nobody (in Chinese)."""

    comment: Comment
    notified: list[int] = field(default_factory=list)
    not_notified: list[str] = field(default_factory=list)

    @property
    def notice(self) -> str:
        """What the author reads about the names that were not notified ("" when all were)."""
        if not self.not_notified:
            return ""
        names = "、".join(f"@{name}" for name in self.not_notified)
        return f"{names} 未收到通知：查无此人，或其无权查看这条意见。"


def comments_visible_to(user: User, declaration: Declaration) -> QuerySet[Comment]:
    """The declaration's comments `user` may read, in time order, with their authors: one statement
    (the caller already may see the declaration)."""
    qs = Comment.objects.filter(declaration=declaration).select_related("author").order_by("created_at", "pk")
    return qs if is_office(user) else qs.filter(office_only=False)


def comments_of(user: User, declaration_id) -> QuerySet[Comment]:
    """`comments_visible_to` for a declaration id; NotFound when `user` may not see it."""
    return comments_visible_to(user, declaration_get(user, declaration_id))


def author_name(user) -> str:
    return user.get_full_name() or user.first_name or user.username


def may_edit(user: User, comment: Comment, *, now: dt.datetime | None = None) -> bool:
    return comment.author_id == getattr(user, "pk", None) and (now or timezone.now()) - comment.created_at <= EDIT_WINDOW


def _clean(body) -> str:
    body = ("" if body is None else str(body)).strip()
    if not body:
        raise RuleViolation.single("body", "请填写意见内容。", "body_required")
    problems = rules.check_text(body, field="body", label="意见内容", multiline=True)
    if problems:
        raise RuleViolation(problems)
    if len(body) > MAX_LENGTH:
        raise RuleViolation.single("body", f"意见内容不能超过{MAX_LENGTH}个字。", "body_too_long")
    return body


def comment_post(*, declaration: Declaration | int, by: User, body, office_only: bool = False,
                 now: dt.datetime | None = None) -> Posted:
    """Post a comment (or, for the office, an office-only note) on a declaration `by` may see."""
    pk = declaration.pk if isinstance(declaration, Declaration) else declaration
    with transaction.atomic():
        locked = locking.declaration_for_update(pk)
        if not can_view(by, locked):
            raise NotFound()
        if office_only and not is_office(by):
            raise PermissionRefused("只有区政务公开办人员可以发表内部备注。")
        body = _clean(body)
        comment = Comment.objects.create(declaration=locked, author=by, body=body, office_only=bool(office_only),
                                         created_at=now or timezone.now())
        audit.record(action=NOTE_POSTED if comment.office_only else POSTED, actor=by, declaration=locked,
                     from_state=locked.state, to_state=locked.state, changed={"comment": comment.pk, "body": body},
                     at=comment.created_at)
        locked.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
        return _mention(comment, locked, by=by)


def comment_edit(*, comment: Comment | int, by: User, body, now: dt.datetime | None = None) -> Posted:
    """The author changes their comment within five minutes of posting it; newly named people are told."""
    pk = comment.pk if isinstance(comment, Comment) else comment
    at = now or timezone.now()
    found = Comment.objects.filter(pk=pk).values_list("declaration_id", flat=True).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound(NOT_FOUND)
    with transaction.atomic():
        locked = locking.declaration_for_update(found)
        current = Comment.objects.select_for_update().get(pk=pk)
        if not can_view(by, locked) or (current.office_only and not is_office(by)):
            raise NotFound(NOT_FOUND)
        if current.author_id != by.pk:
            raise PermissionRefused("只能修改自己发表的意见。")
        if at - current.created_at > EDIT_WINDOW:
            raise PermissionRefused("意见发表超过5分钟，不能再修改；如需更正，请另发一条意见。")
        body = _clean(body)
        if body == current.body:
            return Posted(current)
        audit.record(action=NOTE_EDITED if current.office_only else EDITED, actor=by, declaration=locked,
                     from_state=locked.state, to_state=locked.state,
                     changed={"comment": current.pk, "body": [current.body, body]}, at=at)
        current.body, current.edited_at = body, at
        current.save(update_fields=["body", "edited_at"])
        locked.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
        return _mention(current, locked, by=by)


def mentioned_names(body: str) -> list[str]:
    """The words after each @, in order, without repeats."""
    return list(dict.fromkeys(MENTION.findall(body)))


def _people_named(names: list[str]) -> dict[str, object]:
    """Name as written → the active person whose login or name it starts with (the longest such):
    one statement. `@张三请看` finds 张三."""
    prefixes = {name[:n] for name in names for n in range(1, len(name) + 1)}
    people = list(get_user_model().objects.filter(Q(username__in=prefixes) | Q(first_name__in=prefixes), is_active=True)
                  .order_by("pk"))
    found = {}
    for name in names:
        best = None
        for person in people:
            for key in (person.username, person.first_name):
                if key and name.startswith(key) and (best is None or len(key) > best[0]):
                    best = (len(key), person)
        if best:
            found[name] = best[1]
    return found


def _mention(comment: Comment, declaration: Declaration, *, by: User) -> Posted:
    """Tell the people the comment names who may read it; list the names that told nobody."""
    names = mentioned_names(comment.body)
    result = Posted(comment, not_notified=names[MAX_MENTIONS:])
    names = names[:MAX_MENTIONS]
    people = _people_named(names)
    theme = declaration.theme or "（未填主题）"
    notes = []
    for name in names:
        person = people.get(name)
        allowed = person is not None and can_view(person, declaration) and (not comment.office_only or is_office(person))
        if not allowed:
            result.not_notified.append(name)
            continue
        if person.pk == by.pk or person.pk in result.notified:
            continue
        result.notified.append(person.pk)
        notes.append(Note(person.pk, Kind.DISCUSSION, f"mention:{comment.pk}",
                          f"{author_name(by)}在《{theme}》的{'内部备注' if comment.office_only else '讨论'}中提到了您",
                          comment.body[:500], url=f"{declaration_url(declaration.pk)}#comment-{comment.pk}",
                          declaration_id=declaration.pk))
    write(notes)
    return result
