"""The message center (消息中心), the profile page (个人设置: mobile number, channels) and 忘记密码."""
from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications import accounts, outbox, selectors, services
from notifications.models import PASSWORD_LINK, Kind

PAGE_SIZE = 50
NOT_FOUND = "消息不存在，或您无权查看。"


@login_required
def message_list(request):
    page = Paginator(selectors.messages_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/messages.html", {"page": page, "messages_page": list(page.object_list),
                                                           "password_link": PASSWORD_LINK})


@login_required
def message_open(request, pk: int):
    """Open one of my messages: it is marked read and I go where it points (its task or declaration)."""
    message = selectors.message_get(request.user, pk)
    if message is None:
        raise Http404(NOT_FOUND)
    services.message_read(user=request.user, message=message)
    target = message.url if message.url != PASSWORD_LINK else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:messages")


@login_required
@require_POST
def message_mark_read(request, pk: int):
    message = selectors.message_get(request.user, pk)
    if message is None:
        raise Http404(NOT_FOUND)
    services.message_read(user=request.user, message=message)
    return redirect("notifications:messages")


@login_required
@require_POST
def messages_mark_all_read(request):
    count = services.messages_read_all(user=request.user)
    flash.success(request, f"已将{count}条消息标为已读。")
    return redirect("notifications:messages")


class ProfileForm(forms.Form):
    mobile = forms.CharField(label="手机号码", max_length=20, required=False,
                             help_text="用于接收短信提醒；11位手机号码。")


@login_required
def profile(request):
    """个人设置: my mobile number and, per kind of message, e-mail and SMS."""
    user = request.user
    channels = selectors.channels_of(user)
    form = ProfileForm(request.POST or None, initial={"mobile": selectors.mobile_of(user)})
    if request.method == "POST" and form.is_valid():
        chosen = {kind: (f"email_{kind}" in request.POST, f"sms_{kind}" in request.POST) for kind in Kind.values}
        try:
            services.preferences_save(user=user, mobile=form.cleaned_data["mobile"], channels=chosen)
        except services.InvalidInput as problem:
            form.add_error("mobile", str(problem))
        else:
            flash.success(request, "个人设置已保存。")
            return redirect("notifications:profile")
    rows = [
        {"kind": kind, "label": label, "email": channels[kind][0], "sms": channels[kind][1],
         "fixed": kind in services.FIXED_KINDS, "required": kind == Kind.REMINDER}
        for kind, label in Kind.choices
    ]
    return render(request, "notifications/profile.html", {
        "form": form, "rows": rows, "sms_enabled": outbox.sms_enabled(), "email": user.email,
    })


# 忘记密码: Django's views, our form (mail through the outbox) and Chinese pages.
password_reset = auth_views.PasswordResetView.as_view(
    form_class=accounts.PasswordResetForm, template_name="notifications/password_reset.html",
    success_url=reverse_lazy("notifications:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="notifications/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="notifications/password_reset_confirm.html",
    success_url=reverse_lazy("notifications:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="notifications/password_reset_complete.html",
)
