"""Renderings, owned here: pure functions from domain objects to what people and programs read.

* :mod:`~habilitant.reports.render` — analyses, referentials and search results: JSON dicts
  (the API's field names) and terminal text;
* :mod:`~habilitant.reports.links` — the official links of a certification or a fiche;
* :mod:`~habilitant.reports.coverage` — coverage and suggestions: JSON, CSV, text and the
  Markdown synthesis;
* :mod:`~habilitant.reports.charts` — the coverage bar chart (PNG, SVG);
* :mod:`~habilitant.reports.portfolio` — a person's portfolio: JSON, CSV, text, Markdown.
"""
