"""Links to gallery pages for places outside a request: report files built by the CLI.

Built from the gallery's own route for a photo page, so the library's
reports (which take a link builder) never spell a route themselves.
"""

from __future__ import annotations

from werkzeug.routing import Map, Rule

from library.reports.reuse import LinkBuilder
from webui import photos

_PAGES = Map([Rule(f"{photos.bp.url_prefix}{photos.PAGE_RULE}", endpoint="photos.page")])


def photo_links(base_url: str) -> LinkBuilder:
    """asset id → the photo's page under ``base_url`` (already checked and without a
    trailing slash, as library.catalog.settings.normalize_base_url returns it)."""
    adapter = _PAGES.bind("localhost")
    return lambda asset_id: base_url + adapter.build("photos.page", {"asset_id": asset_id})
