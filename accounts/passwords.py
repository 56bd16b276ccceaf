"""Password complexity of the 等保 2.0 baseline: at least 8 characters, with letters, digits
and symbols together, refused in Chinese."""
from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

MESSAGE = "密码必须同时包含字母、数字和符号（如 ! @ # _ - 等）。"


class CharacterClassesValidator:
    def validate(self, password: str, user=None) -> None:
        has_letter = any(ch.isalpha() for ch in password)
        has_digit = any(ch.isdigit() for ch in password)
        has_symbol = any(not ch.isalnum() and not ch.isspace() for ch in password)
        if not (has_letter and has_digit and has_symbol):
            raise ValidationError(MESSAGE, code="password_character_classes")

    def get_help_text(self) -> str:
        return MESSAGE


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with its message in Chinese: Django 5.2 changed the message's
    msgid and its zh_Hans catalog no longer translates it."""

    def get_error_message(self) -> str:
        return f"密码太短：至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 个字符。"
