"""What readers see: pure functions from catalog entries to the README list, the grouped
lists, papers.json and the page's data; the templates and the page's static files live here."""
