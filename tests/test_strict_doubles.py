"""The doubles are as strict as the real APIs where leniency would hide a bug, each shown here."""

from __future__ import annotations

import requests
from conftest import seed_copy, snapshot
from doubles import ArxivDouble, seed_world


def test_arxiv_fails_the_whole_id_list_for_one_id_with_full_width_digits():
    with ArxivDouble(seed_world()) as arxiv:
        answer = requests.get(
            f"{arxiv.url}/api/query",
            params={"id_list": "2301.00774,２３０４.０１０８９", "max_results": 10},
        )
    assert answer.status_code == 400 and "incorrect id format" in answer.text


def test_one_line_and_wrapped_arxiv_summaries_give_the_same_catalog(api_with, run, tmp_path):
    """arXiv has printed summaries wrapped at ~80 columns and, lately, on one line."""
    written = []
    for wrapped in (True, False):
        api_with(arxiv={"wrap_summaries": wrapped})
        folder = seed_copy(tmp_path / f"meta-{wrapped}")
        outcome = run(
            "--sources", "arxiv", catalog_dir=folder, cache_dir=tmp_path / f"cache-{wrapped}"
        )
        assert outcome.code == 0, outcome.out
        written.append(snapshot(folder))
    assert written[0] == written[1]
    assert b"abstract: " in written[0]["sparsegpt.prototxt"]
