"""The API's JSON parser: bounded before anything is parsed.

DRF's JSONParser hands the body to Python's recursive decoder: a body of nested brackets
(`{"username": [[[…]]]}`) exhausts the stack in the decoder or in whatever walks the result.
Here the body's nesting is measured with one regular-expression pass (strings skipped), and
only then parsed (a 400 with a Chinese message, like every malformed input). Its size is bounded
before that by Django itself: DRF reads it through `request.body`, which refuses more than
`DATA_UPLOAD_MAX_MEMORY_SIZE` (`ops.errors` answers that with a JSON 413).
"""
from __future__ import annotations

import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of this API nests deeper than a few levels (a holding's publicity rows: 3).
MAX_DEPTH = 20

# A JSON string (skipped whole, escapes included) or one bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENING = frozenset(b"[{")


def nesting_depth(body: bytes, *, stop_at: int) -> int:
    """How deep the brackets of a JSON text nest (counting stops once it passes `stop_at`)."""
    depth = deepest = 0
    for match in _TOKENS.finditer(body):
        token = match.group()
        if token[0] in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    break
        elif token[0] != 0x22:  # a closing bracket (0x22 is the quote opening a skipped string)
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    """JSON nesting at most `MAX_DEPTH` levels."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        if nesting_depth(body, stop_at=MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(f"JSON嵌套超过{MAX_DEPTH}层，不予处理。")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(body.decode(encoding), parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON格式有误：{error}") from None


def _refuse_constant(name: str):
    raise ValueError(f"不支持的数值 {name}")
