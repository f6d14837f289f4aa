"""JSON on the hot paths (the APIs' answers, the rows the cache writes) through orjson, which
decodes and encodes several times faster than the standard library: a nightly run at 20,000
papers decodes every refreshed answer while the other fetch threads wait for the interpreter
(the cache's packed reads stay on the standard library, see Cache._select). Whatever orjson refuses and the standard
library takes (NaN, integers beyond 64 bits, lone surrogates, non-UTF-8 bytes) goes to the
standard library, so nothing that was read or written before is refused now. Two values come
back otherwise than through the standard library alone: an integer beyond 64 bits decodes as a
float, and NaN or an infinity encodes as null (neither is a count or an id any API sends)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | bytearray | str) -> Any:
    """The value of a JSON text; ValueError (json.JSONDecodeError) when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(value: Any) -> str:
    """Compact JSON text of a value made of JSON's types (non-ASCII kept as is)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError: a non-str key, a surrogate, a huge integer
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
