"""JSON through orjson on the hot paths (enrich.jsontext): what the standard library read or
wrote before is still read and written the same, and an answer is decoded as its charset says."""

from __future__ import annotations

import json
import math

import pytest
import requests

from enrich import jsontext
from enrich.cache import FOUND, Answer, Cache
from enrich.http import json_of


def response(body: bytes, content_type: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code = 200
    answer._content = body
    answer.headers["Content-Type"] = content_type
    answer.encoding = requests.utils.get_encoding_from_headers(answer.headers)
    return answer


@pytest.mark.parametrize(
    "text",
    ['{"a": [1, 2.5, null, true, "é\\u00e9"], "b": {}}', "[]", '"x"', "-0.0", "1e308"],
)
def test_reads_what_the_standard_library_reads(text):
    assert jsontext.loads(text) == json.loads(text)
    assert jsontext.loads(text.encode()) == json.loads(text)


def test_what_orjson_refuses_is_read_by_the_standard_library():
    assert math.isnan(jsontext.loads(b'{"v": NaN}')["v"])
    assert jsontext.loads("[Infinity]") == [math.inf]
    with pytest.raises(ValueError):
        jsontext.loads(b"{oops")


def test_writes_compact_text_that_reads_back():
    value = {"title": "Ünïcode — 模型", "n": [1, 2.5, None, False], "k": {"x": "y"}}
    text = jsontext.dumps(value)
    assert isinstance(text, str) and json.loads(text) == value
    assert "Ü" in text  # kept as is, not escaped
    assert jsontext.dumps({1: "a"}) == '{"1":"a"}'  # orjson refuses the key; json takes it


def test_cache_rows_written_by_the_standard_library_still_read(tmp_path):
    cache = Cache(tmp_path)
    cache.put_many([Answer("s", "new", FOUND, {"t": "é", "n": 1}, None, 1.0)])
    cache._db.execute(
        "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)",
        ("s", "old", FOUND, json.dumps({"t": "é", "n": 1}, ensure_ascii=False), None, 1.0),
    )
    got = cache.get_many("s", ["new", "old"])
    assert got["new"].payload == got["old"].payload == {"t": "é", "n": 1}


def test_an_answer_in_utf8_or_without_charset_is_decoded_as_utf8():
    body = json.dumps({"title": "Café — 模型"}, ensure_ascii=False).encode("utf-8")
    for content_type in ("application/json", "application/json; charset=utf-8"):
        assert json_of(response(body, content_type)) == {"title": "Café — 模型"}


def test_an_answer_in_another_charset_is_decoded_as_it_declares():
    body = '{"title": "Café"}'.encode("latin-1")  # not UTF-8
    assert json_of(response(body, "application/json; charset=iso-8859-1")) == {"title": "Café"}
    assert json_of(response(b'{"title": "Caf\xc3\xa9"}', "text/plain")) == {
        "title": "Caf\u00c3\u00a9"  # text/* without a charset: ISO-8859-1, as requests reads it
    }


def test_an_answer_that_is_not_json_raises_value_error():
    with pytest.raises(ValueError):
        json_of(response(b"<html>busy</html>", "application/json"))
