"""Name-variant detection across captions and byline typo detection."""

from __future__ import annotations

import pytest

from library.text.names import fold_name, likely_typo, name_variants


def _pairs(texts: list[str]) -> dict[frozenset[str], float]:
    return {frozenset((a, b)): score for a, b, score in name_variants(texts)}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Farahzadi", "Farazhzadi"),
        ("Hosseinzadeh", "Hossein-Zadeh"),
        ("Shaqaqi", "Shaghaghi"),
        ("Mohammad", "Muhammad"),
        ("Rouhani", "Rohani"),
        ("Teheran", "Tehran"),
        ("Esfahan", "Isfahan"),
        ("Hosseini", "Hoseyni"),
    ],
)
def test_spelling_variants_pair_across_texts(a: str, b: str) -> None:
    pairs = _pairs([f"Officials met {a} on Monday.", f"A portrait of {b}, taken earlier."])
    assert frozenset((a, b)) in pairs
    assert 0.85 <= pairs[frozenset((a, b))] <= 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("July", "Julia"),
        # Decided: a derived form is a different word (demonym, patronymic surname).
        ("Tehran", "Tehrani"),
        ("Mohammad", "Mohammadi"),
        ("Daniel", "Daniela"),
        ("Maria", "Mario"),
        ("Austria", "Australia"),
        ("Sweden", "Swedes"),
        ("Berlin", "Merlin"),
        ("Iran", "Iraq"),
        ("TEHRAN", "Tehran"),
    ],
)
def test_different_words_do_not_pair(a: str, b: str) -> None:
    assert frozenset((a, b)) not in _pairs([f"{a} and {b} were named in the caption."])


def test_transliteration_folds_score_one_and_fuzzy_pairs_score_lower() -> None:
    pairs = _pairs(["Shaqaqi", "Shaghaghi", "Farahzadi", "Farazhzadi"])
    assert pairs[frozenset(("Shaqaqi", "Shaghaghi"))] == 1.0
    assert 0.85 <= pairs[frozenset(("Farahzadi", "Farazhzadi"))] < 1.0


def test_two_word_spelling_pairs_with_joined_spelling() -> None:
    pairs = _pairs(["Reza Hossein Zadeh arrives.", "Hosseinzadeh waves."])
    assert pairs.get(frozenset(("Hossein Zadeh", "Hosseinzadeh"))) == 1.0
    assert not any("Reza" in pair for pair in pairs)


def test_lowercase_words_are_not_names() -> None:
    assert name_variants(["farahzadi farazhzadi shaqaqi shaghaghi"]) == []


def test_output_is_ordered_and_deterministic() -> None:
    texts = ["Farazhzadi and Shaghaghi", "Farahzadi and Shaqaqi", "", "Tehran"]
    result = name_variants(texts)
    assert result == name_variants(list(reversed(texts)))
    assert [s for _, _, s in result] == sorted((s for _, _, s in result), reverse=True)
    assert all(a.casefold() <= b.casefold() for a, b, _ in result)


def test_empty_inputs() -> None:
    assert name_variants([]) == []
    assert name_variants(["", "   ", "123"]) == []


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Shaghaghi", "shaqaqi"),
        ("Hossein-Zadeh", "huseinzade"),
        ("Hosseinzadeh", "huseinzade"),
        ("Farazhzadi", "farazadi"),
        ("Jos\u00e9", "juse"),
    ],
)
def test_fold_name(name: str, key: str) -> None:
    assert fold_name(name) == key


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Stuff Writer", "Staff Writer", True),
        ("Staff Writer", "Staff Reporter", False),
        ("Staff Writer", "Staff Writer", False),
        ("staff writer", "Staff Writer", False),
        ("StaffWriter", "Staff Writer", True),
        ("Staff Writer", "Staff Writers", True),
        ("Jane Roe", "Jane Reo", True),
        ("Jane Roe", "Jane Rose", False),
        ("Stuff Writre", "Staff Writer", False),
        ("Staff Writer", "Senior Staff Writer", False),
        ("Hosseinzadeh", "Hossein-Zadeh", True),
        ("Photo by Amir Cohen", "Photo by Amir Cohne", True),
        ("Amir Cohen", "Evan Vucci", False),
        ("", "Staff Writer", False),
    ],
)
def test_likely_typo(a: str, b: str, expected: bool) -> None:
    assert likely_typo(a, b) is expected
    assert likely_typo(b, a) is expected
