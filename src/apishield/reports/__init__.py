"""Report writers shared by ``apishield audit`` and ``apishield probe``: text, json, sarif, junit, html."""

from __future__ import annotations

from collections.abc import Callable

from apishield.errors import ConfigError
from apishield.reports.html import render_html
from apishield.reports.json_writer import render_json, to_document
from apishield.reports.junit import render_junit
from apishield.reports.model import Report, Tool
from apishield.reports.sarif import render_sarif, to_sarif
from apishield.reports.text import render_text

WRITERS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "html": render_html,
}
FORMATS: tuple[str, ...] = tuple(WRITERS)


def render(report: Report, fmt: str = "text") -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS`)."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ConfigError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    return writer(report)


__all__ = ["FORMATS", "Report", "Tool", "render", "render_html", "render_json", "render_junit",
           "render_sarif", "render_text", "to_document", "to_sarif"]
