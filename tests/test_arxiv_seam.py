"""The seam enrich/sources/arxiv.py relies on in the `arxiv` library (pinned to its major
version in pyproject.toml): Client fetches every page through `self._session.get(url, ...)`
and builds the URL from `query_url_format`. If an upgrade moves either, this fails first."""

from __future__ import annotations

from importlib.metadata import version

import arxiv
import requests

FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom">
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/2301.00774v3</id>
    <updated>2023-03-22T17:47:09Z</updated>
    <published>2023-01-02T17:48:56Z</published>
    <title>SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot</title>
    <summary>We show for the first time...</summary>
    <author><name>Elias Frantar</name></author>
    <link href="http://arxiv.org/abs/2301.00774v3" rel="alternate" type="text/html"/>
    <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"""


class RecordingSession:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def get(self, url: str, headers=None, **kwargs) -> requests.Response:
        self.urls.append(url)
        response = requests.Response()
        response.status_code = 200
        response._content = FEED
        return response


def test_arxiv_client_fetches_through_its_private_session_and_url_format():
    assert version("arxiv").split(".")[0] == "4", (
        "the seam below was checked on arxiv 4.x: re-check, then move the bound"
    )
    client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)
    assert hasattr(client, "_session") and hasattr(client, "query_url_format")
    client.query_url_format = "http://127.0.0.1:9/api/query?{}"
    session = RecordingSession()
    client._session = session
    results = list(client.results(arxiv.Search(id_list=["2301.00774"], max_results=None)))
    assert len(session.urls) == 1 and session.urls[0].startswith("http://127.0.0.1:9/api/query?")
    assert "id_list=2301.00774" in session.urls[0]
    assert [r.get_short_id() for r in results] == ["2301.00774v3"]
