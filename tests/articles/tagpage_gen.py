"""Seeded generator of plain-text tag pages in the layout real sites print, with their truth.

Each post is: tags line, featured alt, title, first image alt, caption, body (paragraphs and
alt + caption pairs), byline, closing boilerplate; every part but the title and body may
be missing. The truth is what a person reads off the page: the fields, not the lines.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

SUBJECTS = [
    "Dock workers",
    "Pilot boats",
    "Local residents",
    "Council members",
    "Harbour fishermen",
    "Ferry crews",
    "Harbour police",
    "Beach volunteers",
    "Port engineers",
    "Market traders",
    "Lifeboat crews",
    "Crane drivers",
]
PLACES = [
    "the north quay",
    "the ferry terminal",
    "the outer channel",
    "the old town square",
    "the city hall",
    "the fish market",
    "the dry dock",
    "Signal Hill",
    "the harbour wall",
    "the container yard",
]
HEADLINE_ACTIONS = [
    "walk out over night-shift pay",
    "vote to keep the old ferry terminal",
    "return to work after late talks",
    "protest against the new cruise pier",
    "prepare for a week of winter storms",
    "reopen the market after repairs",
    "clear the channel after a collision",
    "demand a review of harbour safety",
    "win a reprieve for the lifeboat station",
    "count the cost of the summer floods",
]
CLAUSES = [
    "despite objections from the harbour board",
    "as talks with the authority stall again",
    "weeks after the storm damaged the pier",
    "while the council weighs a new budget",
]
SCENES = [
    "gather before the morning shift",
    "wait for the tide to turn",
    "unload a container ship in the rain",
    "listen to speeches outside the gates",
    "repair nets on a quiet afternoon",
    "walk past a row of idle cranes",
    "carry sandbags along the seafront",
]
ALT_VIEWS = ["at", "near", "outside", "beside"]
DATES = ["June 3, 2019", "March 2017", "October 2016", "Feb. 11, 2015", "November 2020"]
CREDITS = [
    "(Photo: Mara Quist/Coastal Wire)",
    "Photo: Jonas Müller",
    "(AP Photo/Evan Brandt)",
    "REUTERS/Amir Cohen",
]
REPORTED = [
    "the union said",
    "officials said on Monday",
    "according to the harbour authority",
    "a spokesman said",
]
FOLLOW_UPS = [
    "The authority said it had offered a 4 per cent rise and called the strike regrettable.",
    "Residents filled the public gallery for the vote.",
    "The review found that the radar upgrade installed last winter removed the main risk.",
    "“This building is part of who we are,” one councillor said.",
    "Talks are expected to resume next week, both sides said.",
    "A report published in 2018 had recommended the same changes.",
    "Traders said business had been slow since the spring.",
]
TAGS = [
    "Port Lenn",
    "Dock Workers Union (DWU)",
    "Lenn City Council",
    "HA",
    "Shipping",
    "Old Town",
    "Heritage",
    "Ferry Terminal",
    "Pilots",
    "Safety",
    "Children's Hospital",
    "Weather",
    "Fishing",
    "Lifeboats",
]
BYLINES = ["Staff Writer", "Staff writer", "Stuff Writer", "By Jane Roe", "Mara Quist"]
CLOSINGS = [
    ["Please follow and like us:", "Continue Reading"],
    ["Share this:", "Facebook   Twitter   WhatsApp"],
    ["Continue Reading"],
    ["Leggi tutto"],
    ["Lire la suite", "Partager"],
    ["Please follow and like us:", "fb-share-icon", "Tweet", "fb-share-icon", "Continue Reading"],
]


KINDS = (
    "full",
    "no_featured",
    "no_tags",
    "no_caption",
    "no_first_image",
    "other_first_alt",
    "two_in_a_row",
    "no_byline",
    "no_image",
)


@dataclass
class Options:
    """What a page's posts look like.

    Each post is of one kind: the full layout or the full layout with one part missing or
    changed. Two deviations in one post can make a page that people, too, read two ways
    (a title and an alt without caption, or a featured alt and a title).
    """

    posts: int = 6
    kinds: tuple[str, ...] = KINDS
    inline_images: tuple[int, ...] = (0, 1, 1, 2)
    comma_title: float = 0.2
    double_space: float = 0.15
    spaced_tags: float = 0.15
    caption_period: float = 0.0
    bylines: list[str] = field(default_factory=lambda: list(BYLINES))


@dataclass
class Page:
    text: str
    truth: dict[str, Any]


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Writer:
    def __init__(self, rng: random.Random, options: Options, page_tag: str):
        self.rng = rng
        self.options = options
        self.page_tag = page_tag
        self.used: set[str] = set()

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def fresh(self, make: Any) -> str:
        """A line not used before on the page, so echoes are only the ones meant."""
        for _ in range(50):
            line = str(make())
            if line.casefold() not in self.used:
                self.used.add(line.casefold())
                return line
        raise RuntimeError("vocabulary too small for this page")

    def title(self) -> str:
        rng = self.rng

        def make() -> str:
            text = f"{rng.choice(SUBJECTS)} {rng.choice(HEADLINE_ACTIONS)}"
            if self.chance(self.options.comma_title):
                glue = "," if self.chance(0.6) else ", "
                text += glue + rng.choice(CLAUSES)
            elif self.chance(0.4):
                text += f" at {rng.choice(PLACES)}"
            if self.chance(self.options.double_space):
                words = text.split(" ")
                cut = rng.randrange(1, len(words))
                text = " ".join(words[:cut]) + "  " + " ".join(words[cut:])
            return text

        return self.fresh(make)

    def alt(self) -> str:
        rng = self.rng
        return self.fresh(
            lambda: f"{rng.choice(SUBJECTS)} {rng.choice(ALT_VIEWS)} {rng.choice(PLACES)}"
        )

    def caption(self, alt: str) -> str:
        rng = self.rng
        subject = alt.split(" ")[0] + " " + alt.split(" ")[1]
        place = alt.split(" ", 3)[-1] if len(alt.split(" ")) > 3 else rng.choice(PLACES)
        plain = f"{subject} {rng.choice(SCENES)} {rng.choice(ALT_VIEWS)} {place}"
        kind = rng.choice(["plain", "plain", "same", "credit", "archive", "dated", "credit_to"])
        if kind == "same":
            return alt
        if kind == "credit":
            return f"{plain}, {rng.choice(DATES)} {rng.choice(CREDITS)}"
        stop = "." if self.chance(self.options.caption_period) else ""
        if kind == "archive":
            return f"Archive photo: {plain} in {rng.choice(DATES)}{stop}"
        if kind == "dated":
            return f"{plain}, {rng.choice(DATES)}."
        if kind == "credit_to":
            return f"Photo credit to Coastal Wire: {plain} on {rng.choice(DATES)}{stop}"
        return plain + stop

    def paragraph(self) -> str:
        rng = self.rng

        def make() -> str:
            if self.chance(0.35):
                return rng.choice(FOLLOW_UPS)
            return (
                f"About {rng.randrange(20, 900)} {rng.choice(SUBJECTS).lower()} "
                f"{rng.choice(['stopped work', 'met', 'gathered', 'waited'])} on "
                f"{rng.choice(['Monday', 'Tuesday', 'Thursday', 'Saturday'])} at "
                f"{rng.choice(PLACES)}, {rng.choice(REPORTED)}, after "
                f"{rng.choice(['talks broke down', 'the vote', 'a long night', 'the storm'])}."
            )

        return self.fresh(make)

    def tags(self) -> str:
        rng = self.rng
        items = rng.sample([t for t in TAGS if t != self.page_tag], rng.randrange(1, 6))
        items.insert(rng.randrange(len(items) + 1), self.page_tag)
        glue = ", " if self.chance(self.options.spaced_tags) else ","
        return glue.join(items)

    def post(self, closing: list[str]) -> tuple[list[str], dict[str, Any]]:
        options, rng = self.options, self.rng
        kind = rng.choice(options.kinds)
        lines: list[str] = []
        tags = None if kind == "no_tags" else self.tags()
        if tags is not None:
            lines.append(tags)
        featured = None if kind in ("no_featured", "no_image") else self.alt()
        if featured is not None:
            lines.append(featured)
        title = self.title()
        lines.append(title)
        images: list[dict[str, Any]] = []
        if kind not in ("no_first_image", "no_image"):
            alt = featured if featured is not None and kind != "other_first_alt" else self.alt()
            caption = None if kind == "no_caption" else self.caption(alt)
            lines.append(alt)
            if caption is not None:
                lines.append(caption)
            images.append({"alt": alt, "caption": caption})
        lines.append(self.paragraph())
        groups = [2] if kind == "two_in_a_row" else [1] * rng.choice(options.inline_images)
        for count in groups:
            for _ in range(count):
                alt = self.alt()
                caption = self.caption(alt)
                lines += [alt, caption]
                images.append({"alt": alt, "caption": caption})
            lines.append(self.paragraph())
        byline = None if kind == "no_byline" else rng.choice(options.bylines)
        if byline is not None:
            lines.append(byline)
        lines += closing
        truth = {
            "title": title,
            "tags": tags.replace(", ", ",").split(",") if tags else [self.page_tag],
            "byline": byline,
            "featured_alt": featured,
            "images": images,
        }
        return lines, truth


def generate(
    seed: int, options: Options | None = None, page_tag: str = "Harbour Authority"
) -> Page:
    """One page: site chrome, heading, posts, navigation and footer, with its truth."""
    rng = random.Random(seed)
    options = options or Options()
    writer = _Writer(rng, options, page_tag)
    closing = rng.choice(CLOSINGS)
    lines = [
        "The Lenn Courier",
        "News from Port Lenn and the bay",
        "Home   News   Business   Sport   Contact",
        f"Posts Tagged ‘{page_tag}’",
    ]
    posts = []
    for _ in range(options.posts):
        post_lines, truth = writer.post(closing)
        lines += post_lines
        posts.append(truth)
    lines += [
        "« Older Entries",
        "Copyright © 2019 All Rights Reserved",
        "Social media & sharing icons powered by ShareKit",
    ]
    return Page("\n\n".join(lines) + "\n", {"page_tag": page_tag, "posts": posts})


def concatenate(*pages: Page) -> Page:
    """Pages saved one after another into one file."""
    posts = [post for page in pages for post in page.truth["posts"]]
    return Page(
        "".join(page.text for page in pages),
        {"page_tag": pages[0].truth["page_tag"], "posts": posts},
    )
