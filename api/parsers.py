"""Request bodies the API and the webhooks read, bounded before they are parsed.

Whatever a client sends, a body is answered 4xx with a JSON reason or read: never a 500.

- At most MAX_BODY_BYTES: a larger one is 413, refused by its Content-Length before it is
  read (Django's own DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default, also answers 413).
- JSON nested at most MAX_JSON_DEPTH levels (our bodies use two): deeper is 400, checked
  before decoding, so Python's recursion limit is never reached.
- JSON strings are text: a lone surrogate escape ("\\ud800"), which no database or JSON
  encoder takes, is 400; so are NaN, Infinity and numbers beyond a float (1e999).
"""

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser, FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

# A string, or an unterminated one up to the end (invalid JSON anyway): the closing quote is
# optional so that a match never fails and backtracks, which keeps the scan linear.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The body is larger than 1 MB ({MAX_BODY_BYTES} bytes)."
    default_code = "payload_too_large"


def _check_length(parser_context) -> None:
    request = (parser_context or {}).get("request")
    if request is None:
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise PayloadTooLarge()


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON `text` nests arrays and objects more than `limit` levels deep
    (brackets inside strings don't count). Linear, without recursion."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    if brackets.count("[") + brackets.count("{") <= limit:
        return False
    depth = 0
    for bracket in brackets:
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context)
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_too_deep(text):
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
        try:
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
            # Strings with a lone surrogate can't be encoded: not for a reply, not for a database.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - a string holds a lone surrogate (\\ud800-\\udfff).") from None
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):  # 1e999
        raise ValueError(f"{literal[:40]} is out of range for a number")
    return value


class BoundedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context)
        return super().parse(stream, media_type, parser_context)


class BoundedMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context)
        return super().parse(stream, media_type, parser_context)


BODY_PARSERS: Sequence[type[BaseParser]] = (BoundedJSONParser, BoundedFormParser, BoundedMultiPartParser)


def exception_handler(exc, context):
    """The configured handler (DRF's), after turning Django's refusals of a body (too large,
    too many fields), which would otherwise be an HTML page, into JSON like every other 4xx."""
    if isinstance(exc, RequestDataTooBig):
        django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if django_limit is not None and django_limit < MAX_BODY_BYTES:
            exc = PayloadTooLarge(f"The body is larger than {django_limit} bytes.")
        else:
            exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = ParseError(str(exc))
    handler = cast(Callable[[Exception, dict], Response | None], api_settings.EXCEPTION_HANDLER)
    return handler(exc, context)


class BoundedInput:
    """For every API view and webhook: bounded parsers, and Django's body refusals as JSON."""

    parser_classes: Sequence[type[BaseParser]] = BODY_PARSERS

    def get_exception_handler(self):
        return exception_handler
