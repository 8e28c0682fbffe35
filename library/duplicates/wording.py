"""Why two photos are one picture, in the words an editor uses.

The finder stores its evidence as numbers ("crop: B is 80% of A's area at
offset (10%, 0%); NCC 0.981 …"), which is right for an audit trail and
useless to a desk deciding whether to trust a match. This module reads that
evidence back, together with the two photos' sizes and files, and says what
happened to the picture: "cropped to about 80 % of #13", "mirrored", "a
caption bar added at the bottom", "re-saved at lower quality (28 KB vs
1.4 MB)". The numbers stay available behind a "details" toggle.

Every rule of the finder has a sentence (see ``METHOD_WORDS``); a test walks
the verifier's methods so a new one cannot ship without words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Verification methods (``assets.verification``) and how the member relates to the
#: photo it was compared with, when the member is the pair's B side.
METHOD_WORDS = {
    "full": "",
    "mirror": "mirrored",
    "flip": "flipped upside down",
    "rotate90": "turned a quarter turn",
    "rotate180": "turned upside down",
    "rotate270": "turned a quarter turn",
    "transpose": "turned and mirrored",
    "transverse": "turned and mirrored",
    "stretch": "stretched to another shape",
    "crop": "cropped",
    "low-detail": "an almost flat picture, matched only because the pixels are nearly identical",
    # Turned copies and heavy crops: the turn and the crop are read from the evidence.
    "turn": "",
    "features": "",
}

_CROP = re.compile(r"crop: (?P<inner>[AB]) is (?P<area>\d+)% of [AB]'s area")
_TRIM = re.compile(r"(?P<side>[AB]) trimmed of border/caption bar (?P<edges>[^;]+)")
_EDGE = re.compile(r"(left|top|right|bottom) (\d+)%")
_GREY = re.compile(r"(?P<side>[AB]) is greyscale")
_BRIGHT = re.compile(r"brightness (\d+) → (\d+)")
_CONTRAST = re.compile(r"contrast ×([\d.]+)")
_VIA = re.compile(r"^via photo (?P<other>\d+): ")

#: The start of a "contains" member's explanation (library/duplicates/containment.py).
_SHOWN = re.compile(r"^shown inside a (?P<where>\w+ of \d+ pictures, at \d+ % of its size)")
_RULE = re.compile(r"near-duplicate: (?P<query>\w+)→(?P<stored>\w+) at")
#: The candidate rules' windows (``assets.similarity.LOWFREQ_WINDOWS``): where the
#: wider of the two frames has picture (or a bar) that the other lacks.
_WINDOW_EDGES = {
    "c": "every side",
    "l": "left",
    "t": "top",
    "r": "right",
    "b": "bottom",
    "v": "top and bottom",
    "h": "left and right",
}
_TURNED = re.compile(r"turned about (?P<angle>\d+)°")
_METHOD = re.compile(r"verified by (?P<method>[\w-]+) \(score")


@dataclass(frozen=True)
class PhotoFacts:
    """What a sentence about a copy may mention of each side."""

    id: int
    width: int
    height: int
    file_size: int
    format: str

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


def describe(level: str, why: str, member: PhotoFacts, other: PhotoFacts | None) -> str:
    """One sentence on how ``member`` relates to ``other`` (the master, or the
    member it is linked through, which ``why`` then names)."""
    if level == "master":
        return "the master of this group"
    if level == "identical":
        return "the same file, found at several paths"
    if level == "contains":
        shown = _SHOWN.match(why)
        if shown:
            return f"shows this picture inside a {shown['where']}"
        return "contains this picture among others (a collage or a page)"
    via = _VIA.match(why)
    prefix = f"linked through #{via['other']}: " if via else ""
    if level == "pixels":
        return prefix + "same pixels, different metadata"
    if other is None:
        return prefix + "a near-duplicate"
    parts = _edits(why, member, other) + _file_changes(member, other)
    if not parts:
        parts = ["the same picture, re-encoded"]
    return prefix + ", ".join(parts)


def _edits(why: str, member: PhotoFacts, other: PhotoFacts) -> list[str]:
    """What the verifier saw, turned to the member's side of the pair."""
    # The pair's A is the lower id; the member is A or B of it.
    me = "A" if member.id < other.id else "B"
    found = _METHOD.search(why)
    method = found["method"] if found else "full"
    parts: list[str] = []
    crop = _CROP.search(why)
    edge = _window_edge(why)
    if crop:
        area = int(crop["area"])
        if crop["inner"] == me:
            parts.append(f"cropped to about {_round5(area)} % of #{other.id}")
        elif edge and edge != "every side":
            parts.append(
                f"a strip added at the {edge}, such as a caption bar "
                f"(#{other.id} is about {_round5(area)} % of it)"
            )
        else:
            parts.append(f"a wider frame: #{other.id} is cropped to about {_round5(area)} % of it")
    elif edge and method == "full":
        # Matched through a window, then verified whole: a small crop or strip.
        if member.width * member.height < other.width * other.height:
            parts.append(f"a slightly tighter crop than #{other.id}")
        else:
            parts.append(f"a slightly wider frame than #{other.id} (more at the {edge})")
    elif method == "low-detail":
        parts.append(METHOD_WORDS["low-detail"])
    elif METHOD_WORDS.get(method):
        parts.append(METHOD_WORDS[method])
    turned = _TURNED.search(why)
    if turned and int(turned["angle"]) > 0:
        parts.append(f"turned about {turned['angle']}°")
    for trim in _TRIM.finditer(why):
        edges = _edges(trim["edges"])
        if trim["side"] == me:
            parts.append(_added(edges))
        else:
            parts.append(f"without the {_thing(edges)} of #{other.id}")
    grey = _GREY.search(why)
    if grey:
        parts.append("in black and white" if grey["side"] == me else "in colour")
    if crop:
        # Brightness and contrast compare whole frames, which a strip or crop skews.
        return parts
    bright = _BRIGHT.search(why)
    if bright:
        a, b = int(bright[1]), int(bright[2])
        brighter = (b > a) == (me == "B")
        parts.append("brighter" if brighter else "darker")
    contrast = _CONTRAST.search(why)
    if contrast:
        more = (float(contrast[1]) > 1) == (me == "B")
        parts.append("more contrast" if more else "less contrast")
    return parts


def _window_edge(why: str) -> str | None:
    """The edge a window rule compared across, or None when no window was used."""
    rule = _RULE.search(why)
    if rule is None:
        return None
    for signal in (rule["query"], rule["stored"]):
        if signal.startswith("lowfreq_"):
            return _WINDOW_EDGES.get(signal.removeprefix("lowfreq_")[:1])
    return None


def _file_changes(member: PhotoFacts, other: PhotoFacts) -> list[str]:
    """Size, quality and format: what re-saving did to the file."""
    parts: list[str] = []
    if member.width * member.height < 0.9 * other.width * other.height:
        parts.append(
            f"smaller ({_megapixels(member)} vs {_megapixels(other)}, "
            f"{member.width}×{member.height} px)"
        )
    elif member.width * member.height > 1.1 * other.width * other.height:
        parts.append(f"larger ({_megapixels(member)} vs {_megapixels(other)})")
    if member.format != other.format:
        parts.append(f"converted from {other.format.upper()} to {member.format.upper()}")
    else:
        mine = member.file_size / max(1, member.width * member.height)
        theirs = other.file_size / max(1, other.width * other.height)
        if mine < 0.6 * theirs:
            parts.append(
                f"re-saved at lower quality ({file_size(member.file_size)} vs "
                f"{file_size(other.file_size)})"
            )
    return parts


def _edges(text: str) -> dict[str, int]:
    return {name: int(value) for name, value in _EDGE.findall(text)}


def _thing(edges: dict[str, int]) -> str:
    if len(edges) >= 3:
        return "border"
    if len(edges) == 1 and ("top" in edges or "bottom" in edges):
        return "caption bar"
    return "bars"


def _added(edges: dict[str, int]) -> str:
    thing = _thing(edges)
    if thing == "caption bar":
        return f"a caption bar added at the {next(iter(edges))}"
    if thing == "border":
        return "a border added"
    return "bars added at the " + " and ".join(edges)


def _round5(percent: int) -> int:
    return max(5, 5 * round(percent / 5))


def _megapixels(photo: PhotoFacts) -> str:
    mp = photo.megapixels
    return f"{mp:.1f} MP" if mp < 10 else f"{mp:.0f} MP"


def file_size(size: int) -> str:
    """Bytes as a desk reads them: 28 KB, 1.4 MB."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1_000_000:.1f} MB"
