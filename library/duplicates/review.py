"""One duplicate group as an editor reviews it: members in words, usages, original, decisions.

The group page and the JSON API read this rather than assembling the facts
themselves, so both say the same thing about a member.

The *original* is a fact about the picture's history: the member taken
earliest, then the largest, then the first published. The *master* is the
desk's choice of the best copy to work from. They are often the same photo
but need not be: an editor may make a captioned copy the master, and the
crop it came from is still the original. Reports name the original.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from library.catalog import queries
from library.db.engine import chunked
from library.db.models import Article, Asset, DuplicateDecision, Usage
from library.duplicates.builder import Group, Member
from library.duplicates.decisions import decisions_about
from library.duplicates.membership import group_by_key
from library.duplicates.wording import PhotoFacts, describe

#: Usages a group page lists; a picture that ran hundreds of times links to the rest.
SHOWN_USAGES = 25


@dataclass
class MemberReview:
    member: Member
    facts: PhotoFacts
    credit: str | None
    taken_at: str | None
    #: In words, relative to the master (or the member it is linked through).
    words: str
    #: Articles that ran this copy itself.
    articles: int
    first_published: datetime | None
    is_original: bool


@dataclass
class GroupReview:
    group: Group
    members: list[MemberReview]
    original: int
    #: The first `SHOWN_USAGES` usages of the group, in publication order.
    usages: list[tuple[Usage, Article]]
    decisions: list[DuplicateDecision]
    #: How many usages the group has in all.
    usage_total: int = 0

    def member(self, asset_id: int) -> MemberReview | None:
        return next((m for m in self.members if m.member.asset_id == asset_id), None)


def review_group(session: Session, key: str) -> GroupReview | None:
    """Everything the group page shows, or None when a change dissolved the group."""
    group = group_by_key(session, key)
    if group is None:
        return None
    ids = [m.asset_id for m in group.members]
    assets = {a.id: a for a in queries.assets_by_ids(session, ids)}
    facts = {i: _facts(a) for i, a in assets.items()}
    firsts = first_published(session, ids)
    counts = _own_article_counts(session, ids)
    original = original_of(
        [(i, assets[i].taken_at, facts[i].width * facts[i].height, firsts.get(i)) for i in ids]
    )
    members = []
    for member in group.members:
        other = _compared_with(member, group.master)
        members.append(
            MemberReview(
                member,
                facts[member.asset_id],
                assets[member.asset_id].credit,
                assets[member.asset_id].taken_at,
                describe(member.level, member.why, facts[member.asset_id], facts.get(other)),
                counts.get(member.asset_id, 0),
                firsts.get(member.asset_id),
                member.asset_id == original,
            )
        )
    return GroupReview(
        group,
        members,
        original,
        queries.usages_of(session, ids, limit=SHOWN_USAGES),
        decisions_about(session, ids),
        queries.count_usages(session, ids),
    )


def original_of(members: Iterable[tuple[int, str | None, int, datetime | None]]) -> int:
    """The original among (id, capture date, pixels, first publication) rows.

    Taken earliest (undated last), then largest, then published first, then
    the lowest id: a crop or a re-save keeps the capture date but loses
    pixels, and a copy without a date is never older than one with a date.
    """
    never = datetime.max

    def key(row: tuple[int, str | None, int, datetime | None]) -> tuple[Any, ...]:
        asset_id, taken, pixels, first = row
        return (taken is None, taken or "", -pixels, first or never, asset_id)

    return min(members, key=key)[0]


def first_published(session: Session, asset_ids: Iterable[int]) -> dict[int, datetime]:
    """photo → the date of the first article that ran it (photos never run are absent)."""
    found: dict[int, datetime] = {}
    for chunk in chunked(sorted(set(asset_ids))):
        rows = session.execute(
            select(Usage.asset_id, func.min(Article.published))
            .join(Article, Usage.article_id == Article.id)
            .where(Usage.asset_id.in_(chunk), Article.published.is_not(None))
            .group_by(Usage.asset_id)
        )
        found.update({asset_id: when for asset_id, when in rows if asset_id and when})
    return found


def _own_article_counts(session: Session, asset_ids: list[int]) -> dict[int, int]:
    articles: dict[int, set[int]] = defaultdict(set)
    for asset_id, article_id in session.execute(
        select(Usage.asset_id, Usage.article_id).where(Usage.asset_id.in_(asset_ids))
    ):
        if asset_id is not None:
            articles[asset_id].add(article_id)
    return {asset_id: len(found) for asset_id, found in articles.items()}


def _compared_with(member: Member, master: int) -> int:
    """The photo a member's explanation is relative to: the master, or the one it is
    linked through."""
    if member.why.startswith("via photo "):
        return int(member.why.removeprefix("via photo ").split(":", 1)[0])
    return master


def _facts(asset: Asset) -> PhotoFacts:
    return PhotoFacts(asset.id, asset.width, asset.height, asset.file_size, asset.format)
