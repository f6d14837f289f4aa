"""This repository's own README list, lists/ and site/ are the bundled catalog's current views."""

from __future__ import annotations

from conftest import ROOT

from flows.render import main


def test_bundled_catalog_views_are_current(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code = main(["--check"])
    assert code == 0, (
        "run `python -m flows.render` at the project root:\n" + capsys.readouterr().out
    )
