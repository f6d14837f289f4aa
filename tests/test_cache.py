"""The answer cache: what goes in comes out exactly, corrupt rows are misses, and reading or
writing many rows does not hand the GIL over once per row (which, beside busy fetch threads,
turned a 0.2 s read into 40 s)."""

from __future__ import annotations

import sqlite3

from enrich import cache as cache_module
from enrich.cache import FOUND, NOT_FOUND, Answer, Cache

STAMP = 1_764_680_123.456789  # needs 17 significant digits


def test_answers_come_back_exactly(tmp_path):
    cache = Cache(tmp_path)
    answers = [
        Answer("s", f"k{i}", FOUND, {"title": f"t{i}", "n": i, "ü": "ß"}, f'W/"{i}"', STAMP + i)
        for i in range(1234)  # several statements and several queries
    ] + [
        Answer("s", "gone", NOT_FOUND, None, None, STAMP),
        Answer("other", "k1", FOUND, {}, None, 1.0),
    ]
    cache.put_many(answers)
    got = cache.get_many("s", [f"k{i}" for i in range(1234)] + ["gone", "never"])
    assert sorted(got.values(), key=lambda a: a.key) == sorted(answers[:-1], key=lambda a: a.key)
    assert cache.stamps("s", ["k0", "gone", "never"]) == {
        "k0": (FOUND, STAMP),
        "gone": (NOT_FOUND, STAMP),
    }


def test_a_key_written_twice_keeps_the_last_answer(tmp_path):
    cache = Cache(tmp_path)
    cache.put_many([Answer("s", "k", FOUND, {"v": 1}, None, 1.0)])
    cache.put_many(
        [Answer("s", "k", FOUND, {"v": 2}, None, 2.0), Answer("s", "k", NOT_FOUND, None, "e", 3.0)]
    )
    assert cache.get_many("s", ["k"]) == {"k": Answer("s", "k", NOT_FOUND, None, "e", 3.0)}


def test_corrupt_rows_are_misses_and_do_not_hide_good_ones(tmp_path):
    cache = Cache(tmp_path)
    cache.put_many([Answer("s", "good", FOUND, {"v": 1}, None, STAMP)])
    db = sqlite3.connect(tmp_path / Cache.FILENAME)
    db.executemany(
        "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("s", "blob", FOUND, b"\x00\xff", None, STAMP),  # JSON cannot hold it
            ("s", "not-json", FOUND, "{oops", None, STAMP),
            ("s", "when-text", FOUND, '{"v": 1}', None, "yesterday"),
            ("s", "bad-status", "maybe", '{"v": 1}', None, STAMP),
        ],
    )
    db.commit()
    db.close()
    keys = ["good", "blob", "not-json", "when-text", "bad-status"]
    assert list(cache.get_many("s", keys)) == ["good"]
    assert set(cache.stamps("s", ["good", "when-text"])) == {"good"}


def test_many_rows_are_read_packed_one_result_a_query(tmp_path):
    """Python's sqlite3 gives up the GIL at every row it steps to; beside busy fetch threads each
    row then waits to get it back (measured: 38,000 rows, 0.2 s alone, 40 s beside one busy
    thread). So each query returns its rows packed in one JSON array: one step per 500 keys."""
    cache = Cache(tmp_path)
    cache.put_many(Answer("s", f"k{i}", FOUND, {"v": i}, None, STAMP) for i in range(5000))
    calls: list[str] = []
    cache._db.set_trace_callback(calls.append)
    got = cache.get_many("s", [f"k{i}" for i in range(5000)])
    stamps = cache.stamps("s", [f"k{i}" for i in range(5000)])
    assert len(got) == len(stamps) == 5000
    assert len(calls) == 20 and all("json_group_array" in sql for sql in calls)


def test_packed_payloads_are_decoded_once(tmp_path, monkeypatch):
    """The packed query carries each payload as JSON (SQLite's json()), not as a string holding
    JSON: one decode per query, none per row."""
    cache = Cache(tmp_path)
    cache.put_many(
        Answer("s", f"k{i}", FOUND, {"v": i, "t": "é"}, None, STAMP) for i in range(1000)
    )
    decoded: list[object] = []
    real = cache_module.json.loads
    monkeypatch.setattr(
        cache_module.json, "loads", lambda text, *a, **k: decoded.append(1) or real(text, *a, **k)
    )
    got = cache.get_many("s", [f"k{i}" for i in range(1000)])
    assert [got[f"k{i}"].payload for i in range(1000)] == [{"v": i, "t": "é"} for i in range(1000)]
    assert len(decoded) == 2  # one per query of 500 keys


def test_stamps_are_read_from_an_index_not_through_the_payloads(tmp_path):
    """A ~2 KB payload spills into overflow pages and `fetched_at`, stored after it, with it:
    planning reads the stamps of every answer, so they come from an index. A cache an older
    version made (the table alone) gets the index when opened, its answers kept."""
    db = sqlite3.connect(tmp_path / Cache.FILENAME)
    db.execute(cache_module._SCHEMA)
    big = '{"abstract": "' + "x" * 3000 + '"}'
    db.executemany(
        "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)",
        [("s", f"k{i}", FOUND, big, None, STAMP + i) for i in range(600)],
    )
    db.commit()
    db.close()
    cache = Cache(tmp_path)
    statements: list[str] = []
    cache._db.set_trace_callback(statements.append)
    stamps = cache.stamps("s", [f"k{i}" for i in range(600)])
    cache._db.set_trace_callback(None)
    assert stamps == {f"k{i}": (FOUND, STAMP + i) for i in range(600)}
    assert len(statements) == 2  # 500 keys a query
    for statement in statements:
        (plan,) = cache._db.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
        assert "USING COVERING INDEX answers_stamps" in plan[-1], plan
    assert cache.get_many("s", ["k599"])["k599"].payload == {"abstract": "x" * 3000}
