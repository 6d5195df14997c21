"""The API's JSON parser: what DRF's own lets through and then turns into a 500 or a poisoned row.

- the body size: DRF reads the stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE never applies → 413;
- NaN, Infinity and numbers that overflow to infinity (1e400) → 400 (json accepts them all);
- nesting deeper than MAX_DEPTH (100,000 levels is a RecursionError, i.e. a 500) → 400;
- a NUL character in any string or key → 400 (PostgreSQL cannot store it).
"""
import json
import math

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


class TooLarge(APIException):
    status_code = 413
    default_detail = "请求体过大"
    default_code = "too_large"


def _constant(name):
    raise ValueError(f"不接受 {name}（数字应为有限值）")


def _float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"数字超出范围：{text}")
    return value


def check(data, max_depth=MAX_DEPTH):
    """Walk the parsed body (iteratively): depth and NUL characters (ParseError, a 400)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise ParseError(f"JSON 嵌套过深（上限 {max_depth} 层）")
        if isinstance(item, str):
            if "\x00" in item:
                raise ParseError("JSON 字符串含有空字符（\\u0000）")
        elif isinstance(item, dict):
            for key, value in item.items():
                if "\x00" in key:
                    raise ParseError("JSON 键含有空字符（\\u0000）")
                stack.append((value, depth + 1))
        elif isinstance(item, list):
            stack.extend((value, depth + 1) for value in item)


def loads(raw, encoding="utf-8"):
    """Bytes of a JSON body → data, by the rules above (TooLarge, or ParseError naming what is wrong). The API's
    parser and every other view that reads a JSON body (the public report form) use it."""
    limit = settings.API_MAX_BODY_BYTES
    if len(raw) > limit:
        raise TooLarge(f"请求体过大（上限 {limit // 1024} KB）")
    try:
        data = json.loads(raw.decode(encoding), parse_constant=_constant, parse_float=_float)
    except RecursionError:
        raise ParseError(f"JSON 嵌套过深（上限 {MAX_DEPTH} 层）") from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise ParseError(f"JSON 无效：{exc}") from None
    check(data)
    return data


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        return loads(raw, (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET))
