"""Hash values common across the library, and the candidate pairs that rest only on them.

A page template, a branded frame or one app's screenshots give many *different* photos
nearly the same hash under some rule, so that rule's value of each of them finds all
the others. Like a search engine discounting a word that is in every document, a rule
hit whose query value finds more than :func:`common_limit` different photos, or whose
stored value is found by more, is weak evidence, and a pair of photos supported only
by such hits is not verified (each verification costs about 1.4 ms, and in a template
of 30 photos most pairs are these).

Three things keep real copies safe:

* "Different photos" are counted as clusters, not photos: pairs that two signal
  families (:data:`FAMILIES`) propose are linked first, and the caller may add links
  it already knows (the stored groups, for a look-up).
* The caller verifies in rounds (`pairs._verify_in_rounds`): the pairs that verify
  join their photos into one cluster, and the counts are taken again. Forty copies
  of one popular photo, found by one family each (crops, pages, memes), look like a
  template until the first round has verified the copies that some uncommon value
  or two families found; in the next they count as one picture. A template's pages
  never verify with each other, so they never join.
* A pair stays a candidate when any of its hits is not common, when two families
  propose it, or when it is a value's nearest hit, whatever its values' counts.

Everything here works on whole numpy arrays of rule hits, with no Python per hit, so
the full pass at 10^6 photos (millions of hits) pays seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from assets import similarity

IntArray = npt.NDArray[np.int64]

#: Signal families: a rule belongs to its stored signal's family. Two families that both
#: bring a pair within their radius are independent evidence that it is one picture.
FAMILIES: tuple[str, ...] = ("phash", "dhash", "lowfreq")

#: A value is common when it finds more clusters than this in a small library...
MIN_COMMON = 4

#: ... and in a large one, more than one per this many photos: near-misses within the
#: radius grow with the library even when nothing is shared.
PHOTOS_PER_COMMON = 100_000


def common_limit(photos: int) -> int:
    """The most clusters a rule's value may find before it counts as common."""
    return max(MIN_COMMON, photos // PHOTOS_PER_COMMON)


def family_of(signal: str) -> int:
    """Position in :data:`FAMILIES` of the family a stored signal belongs to."""
    for position, family in enumerate(FAMILIES):
        if signal == family or signal.startswith(f"{family}_"):
            return position
    raise ValueError(f"signal {signal!r} belongs to no family")


@cache
def rule_families() -> IntArray:
    """The family of each rule in :data:`assets.similarity.CANDIDATE_RULES`, by position."""
    return np.array(
        [family_of(stored) for _, stored, _ in similarity.CANDIDATE_RULES], dtype=np.int64
    )


class CommonValues:
    """The rule hits of one pass, and which pairs among them rest only on common values.

    Hit ``k`` says: rule number ``rule[k]`` (a position in ``CANDIDATE_RULES``) brings
    photo ``query[k]``'s query value within ``distance[k]`` bits of photo
    ``stored[k]``'s stored value; a rule within one signal is two hits, one from each
    side. ``photos`` is the library's size (it sets :func:`common_limit`); ``links``
    are pairs of ids known to be one picture (any integers: a stored group can be a
    negative id of its own).

    A value is common when its hits reach more than the limit of *clusters*: photos
    joined by a pair two families propose, by ``links`` and by :meth:`join`. The
    caller verifies the supported pairs, joins those that verified and asks again:
    a photo with many heavy copies (crops, pages, memes, each found by one family)
    looks like a template until its copies are known to be copies, and a template's
    pages never verify, so they never join.
    """

    def __init__(
        self,
        query: IntArray,
        stored: IntArray,
        rule: IntArray,
        distance: IntArray,
        photos: int,
        links: tuple[IntArray, IntArray] | None = None,
    ) -> None:
        link_a, link_b = links if links is not None else (np.empty(0, np.int64),) * 2
        hits = len(query)
        every = np.concatenate([query, stored, link_a, link_b]).astype(np.int64)
        self.nodes, _ = _runs(np.sort(every))
        inverse = np.searchsorted(self.nodes, every)
        count = self.count = len(self.nodes)
        # Keys below pack two to four numbers into one int64: rule × distance × count²
        # must fit.
        spread = int(distance.max()) + 1 if len(distance) else 1
        if len(similarity.CANDIDATE_RULES) * spread * count * count >= 2**62:
            raise ValueError(f"too many photos for one pass: {count}")
        self.query, self.stored = inverse[:hits], inverse[hits : 2 * hits]
        self.rule = rule.astype(np.int64)
        pair = np.minimum(self.query, self.stored) * count + np.maximum(self.query, self.stored)
        #: Every pair some hit proposes, as low × count + high in node numbers, sorted;
        #: and each hit's position in it.
        self.pairs, _ = _runs(np.sort(pair))
        self.hit_pair = np.searchsorted(self.pairs, pair)

        families = len(FAMILIES)
        pair_families, _ = _runs(np.sort(self.hit_pair * families + rule_families()[self.rule]))
        proposed, family_count = _runs(pair_families // families)
        self.strong = proposed[family_count >= 2]
        # Each value's nearest hit (the lowest id on ties) stays a candidate, common or
        # not: a word every page has is discounted, not ignored. A picture whose every
        # copy is found only through common values thus still gets one verification,
        # and the rounds take it from there; a template costs one pair per page.
        # One sort of value, distance, stored photo packed in an int64 (lexsort on three
        # keys took 7 of the 12 s this set-up cost with 6.7 million hits).
        span = spread * count
        key = np.sort((self.rule * count + self.query) * span + distance * count + self.stored)
        heads = key[np.concatenate([key[:1] >= 0, key[1:] // span != key[:-1] // span])]
        query, stored = heads // span % count, heads % count
        near = np.minimum(query, stored) * count + np.maximum(query, stored)
        self.nearest = np.searchsorted(self.pairs, near)
        self._edges = [
            (self.pairs[self.strong] // count, self.pairs[self.strong] % count),
            (inverse[2 * hits : 2 * hits + len(link_a)], inverse[2 * hits + len(link_a) :]),
        ]
        self.limit = common_limit(photos)

    def pair_ids(self) -> tuple[IntArray, IntArray]:
        """Each pair's (low id, high id), in the order of :meth:`supported`."""
        return self.nodes[self.pairs // self.count], self.nodes[self.pairs % self.count]

    def join(self, a: Sequence[int], b: Sequence[int]) -> None:
        """Photos a[i] and b[i] are one picture (a verified pair): count them once."""
        ids = np.array([*a, *b], dtype=np.int64)
        nodes = np.searchsorted(self.nodes, ids).clip(max=self.count - 1)
        known = self.nodes[nodes] == ids
        half = len(a)
        both = known[:half] & known[half:]
        self._edges.append((nodes[:half][both], nodes[half:][both]))

    def supported(self) -> npt.NDArray[np.bool_]:
        """For each pair (as :meth:`pair_ids`), whether one uncommon hit, two families
        or being a value's nearest hit support it, given what is known to be one
        picture so far."""
        kept = np.zeros(len(self.pairs), dtype=np.bool_)
        if len(self.pairs) == 0:
            return kept
        count = self.count
        cluster = _components(
            count,
            np.concatenate([a for a, _ in self._edges]),
            np.concatenate([b for _, b in self._edges]),
        )
        common = (
            _clusters_per_value(self.rule * count + self.query, cluster[self.stored], count)
            > self.limit
        )
        common |= (
            _clusters_per_value(self.rule * count + self.stored, cluster[self.query], count)
            > self.limit
        )
        kept[self.hit_pair[~common]] = True
        kept[self.strong] = True
        kept[self.nearest] = True
        return kept


def supported(
    query: IntArray,
    stored: IntArray,
    rule: IntArray,
    distance: IntArray,
    photos: int,
    links: tuple[IntArray, IntArray] | None = None,
) -> npt.NDArray[np.bool_]:
    """For each hit, whether its pair is supported before anything is verified (one
    round of :class:`CommonValues`)."""
    if len(query) == 0:
        return np.zeros(0, dtype=np.bool_)
    values = CommonValues(query, stored, rule, distance, photos, links)
    return values.supported()[values.hit_pair]


def _runs(ordered: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct values of a sorted array and how often each occurs.

    ``np.unique`` would do, but numpy 2 answers it with a hash table that was five
    times slower than sorting on the millions of hits of a full pass.
    """
    if len(ordered) == 0:
        return ordered, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def _clusters_per_value(value: IntArray, cluster: IntArray, count: int) -> IntArray:
    """For each hit, how many distinct clusters the hits of its value reach."""
    reached, _ = _runs(np.sort(value * count + cluster))
    values, clusters = _runs(reached // count)
    return clusters[np.searchsorted(values, value)]


def _components(count: int, a: IntArray, b: IntArray) -> IntArray:
    """The smallest node of each node's connected component, for edges a[i]–b[i].

    Hooks each edge's larger root under the smaller one, then follows pointers until
    every node points at its root; a few rounds suffice for the small, dense clusters
    here.
    """
    label = np.arange(count, dtype=np.int64)
    while len(a):
        ra, rb = label[a], label[b]
        apart = ra != rb
        if not apart.any():
            return label
        ra, rb = ra[apart], rb[apart]
        np.minimum.at(label, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        a, b = a[apart], b[apart]
    return label
