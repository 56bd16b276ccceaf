"""审批意见与讨论 on the declaration page: post a comment (or an office-only note), edit one's own
within five minutes. Everything through `workflow.discussion`; refusals as messages on the page."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from workflow import discussion
from workflow.errors import PermissionRefused, RuleViolation
from workflow.permissions import is_office
from workflow.selectors import declaration_get
from workflow.views.common import service_errors


def thread(user, declaration) -> dict:
    """What the declaration page's discussion shows `user`: the comments they may read (one
    statement), which of them they may still edit, and whether they may write office-only notes."""
    now = timezone.now()
    comments = list(discussion.comments_visible_to(user, declaration))
    for comment in comments:
        comment.author_name = discussion.author_name(comment.author)
        comment.editable = discussion.may_edit(user, comment, now=now)
    return {"comments": comments, "may_note": is_office(user), "comment_max_length": discussion.MAX_LENGTH}


def _to_comment(pk: int, comment_pk: int | None = None):
    response = redirect("workflow:declaration", pk=pk)
    response["Location"] += f"#comment-{comment_pk}" if comment_pk else "#discussion"
    return response


def _said(request, posted: discussion.Posted, done: str) -> None:
    messages.success(request, done)
    if posted.notice:
        messages.warning(request, posted.notice)


@login_required
@require_POST
@service_errors
def comment_add(request, pk: int):
    """The discussion's form on the declaration page."""
    declaration = declaration_get(request.user, pk)
    try:
        posted = discussion.comment_post(declaration=declaration, by=request.user, body=request.POST.get("body", ""),
                                         office_only=request.POST.get("office_only") == "yes")
    except RuleViolation as refused:
        messages.error(request, refused.message)
        return _to_comment(declaration.pk)
    _said(request, posted, "意见已发表。" if not posted.comment.office_only else "内部备注已保存（仅区政务公开办可见）。")
    return _to_comment(declaration.pk, posted.comment.pk)


@login_required
@service_errors
def comment_edit(request, pk: int, comment_pk: int):
    """The author's own comment, changed within five minutes (a small page with its text)."""
    declaration = declaration_get(request.user, pk)
    comment = discussion.comments_visible_to(request.user, declaration).filter(pk=comment_pk).first()
    if comment is None:
        raise Http404(discussion.NOT_FOUND)
    body = comment.body
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            posted = discussion.comment_edit(comment=comment, by=request.user, body=body)
        except (RuleViolation, PermissionRefused) as refused:
            messages.error(request, refused.message)
            if isinstance(refused, PermissionRefused):
                return _to_comment(declaration.pk, comment.pk)
        else:
            _said(request, posted, "意见已修改。")
            return _to_comment(declaration.pk, comment.pk)
    elif not discussion.may_edit(request.user, comment):
        messages.error(request, "只能在发表后5分钟内修改自己的意见。")
        return _to_comment(declaration.pk, comment.pk)
    return render(request, "workflow/comment_edit.html", {"declaration": declaration, "comment": comment, "body": body,
                                                          "max_length": discussion.MAX_LENGTH})

