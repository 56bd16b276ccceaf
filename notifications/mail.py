"""What a delivery sends: the Chinese mail (plain text and HTML) and the SMS text of a message,
with a link back to its task or declaration."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import PASSWORD_LINK, Message

SUBJECT_PREFIX = "【政务公开主题日】"
SMS_MAX = 300  # characters; gateways split longer texts into several SMS


def password_link(user) -> str:
    """A link that lets `user` set a new password (Django's reset token: valid until the password
    changes or `PASSWORD_RESET_TIMEOUT` passes)."""
    path = reverse("notifications:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
    })
    return settings.SITE_URL + path


def link_of(message: Message) -> str:
    if message.url == PASSWORD_LINK:
        return password_link(message.recipient)
    return settings.SITE_URL + message.url if message.url else settings.SITE_URL + "/"


def email_of(message: Message, *, to: str, delivery_id: int) -> EmailMultiAlternatives:
    """The mail of `message` to `to`. Its Message-ID is the delivery's, the same on every attempt,
    so a receiving system can tell a repeated attempt from a new mail."""
    context = {"message": message, "link": link_of(message), "site_url": settings.SITE_URL}
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    mail = EmailMultiAlternatives(
        subject=SUBJECT_PREFIX + message.title, body=render_to_string("notifications/email.txt", context), to=[to],
        headers={"Message-ID": f"<delivery-{delivery_id}@{domain}>"},
    )
    mail.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    return mail


def sms_of(message: Message) -> str:
    text = f"{SUBJECT_PREFIX}{message.title}。{link_of(message)}"
    return text[:SMS_MAX]
