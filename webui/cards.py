"""What a photo card shows besides the picture: image sources, dates, sizes, rights, values.

Template helpers only; the rules themselves live in `library.catalog.rights`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from assets.renditions import RENDITIONS, web_long_side
from library.catalog import rights
from library.db.models import STATUSES
from library.text.diffs import items_diff, word_diff

if TYPE_CHECKING:
    from flask import Flask

#: The grid's picture box in CSS pixels (4:3): the picture fits inside, uncropped.
BOX = (240, 180)


def _scaled(width: int, height: int, long_side: int) -> tuple[int, int]:
    scale = min(1.0, long_side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def picture(asset: Any, base: str) -> dict[str, str]:
    """``src``, ``srcset``, ``sizes``, ``width`` and ``height`` for a grid card's picture.

    The thumbnail (480 px) and the web preview (1280 px, or a web-size JPEG's own
    size: it is its own preview) are offered with their real widths, and ``sizes`` says how wide this photo is drawn in the card's
    box, so a 2x screen takes the thumbnail and only a wide phone card the preview.
    """
    # ``base`` is the photo page's address, which the grid has already built.
    width, height = asset.width or BOX[0], asset.height or BOX[1]
    thumb = _scaled(width, height, RENDITIONS["thumb"][0])
    fmt, orientation = getattr(asset, "format", None), getattr(asset, "orientation", None)
    side = web_long_side(width, height, fmt, orientation)
    web = _scaled(width, height, side)
    shown = min(BOX[0], round(BOX[1] * width / max(height, 1)))
    srcset = f"{base}/thumb {thumb[0]}w"
    if web[0] > thumb[0]:
        srcset += f", {base}/web {web[0]}w"
    # A phone shows two cards a row: each box is about 45 % of the screen.
    phone = max(10, round(45 * shown / BOX[0]))
    return {
        "src": f"{base}/thumb",
        "srcset": srcset,
        "sizes": f"(max-width: 560px) {phone}vw, {shown}px",
        "width": str(thumb[0]),
        "height": str(thumb[1]),
    }


def taken_day(value: str | None) -> str:
    """A capture time as a day people read at a glance: "4 Mar 2019"."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return value[:10]
    return f"{day.day} {day.strftime('%b %Y')}"


#: Field values as people read them, where the stored form is a code.
STATUS_WORDS = {status: status.replace("_", " ") for status in STATUSES}


def readable(value: Any, field: str | None = None) -> str:
    """A stored field value as people read it: ``roads, local news``, "needs credit", "yes".

    History rows hold JSON values (lists, booleans, codes); nobody should
    have to read ``['roads', 'local news']`` or ``needs_credit``.
    """
    if value is None or value == "" or value == []:
        return ""
    if field == "status" and isinstance(value, str):
        return STATUS_WORDS.get(value, value.replace("_", " "))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def change_diff(field: str, old: Any, new: Any) -> list[tuple[str, str]]:
    """One history row as word-level runs: what was removed, kept and added.

    The same diff the publication panel shows for captions as published;
    keywords compare as items, yes/no and status values as whole words.
    """
    if isinstance(old, list) or isinstance(new, list):
        return items_diff([readable(v) for v in old or []], [readable(v) for v in new or []])
    before, after = readable(old, field), readable(new, field)
    if isinstance(old, str | None) and isinstance(new, str | None) and field != "status":
        return word_diff(before, after)
    return [(op, text) for op, text in (("delete", before), ("insert", after)) if text]


def register(app: Flask) -> None:
    from webui.photos import LABELS

    app.jinja_env.globals.update(
        picture=picture,
        size_class=lambda asset: rights.size_class(asset.width, asset.height),
        rights_badges=rights.rights_badges,
        restrictions=rights.restrictions,
        readable=readable,
        change_diff=change_diff,
        field_label=lambda name: LABELS.get(name, name.replace("_", " ")),
    )
    app.jinja_env.filters["taken_day"] = taken_day
