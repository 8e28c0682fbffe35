"""House style for credits ("AP Photo/Name" → "Name/AP") and the key that finds near-identical credits."""

from __future__ import annotations

import json
import re

import pytest

from library.text.credits import RULES, credit_key, house_style
from tests.conftest import CORPORA


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_every_rule_turns_out_its_example(rule: object) -> None:
    assert house_style(rule.example) == rule.expected  # type: ignore[attr-defined]


#: Credits as real news pages printed them (the article corpora), and the desk's form.
REAL = [
    ("(AP Photo/Jeff Chiu, File)", "Jeff Chiu/AP"),
    ("AP Photo/Paul Sakuma", "Paul Sakuma/AP"),
    ("REUTERS/Benoit Tessier", "Benoit Tessier/Reuters"),
    ("Photo by Rob Carr/Getty Images", "Rob Carr/Getty Images"),
    ("KOJI SASAHARA/AFP/Getty Images", "Koji Sasahara/AFP/Getty Images"),
    ("BRENDAN SMIALOWSKI/AFP/Getty Images", "Brendan Smialowski/AFP/Getty Images"),
    ("David McNew—Getty Images", "David McNew/Getty Images"),
    ("Photograph: Lance Yamamoto", "Lance Yamamoto"),
    ("PHotograph: AHMAD GHARABLI/Getty Images", "Ahmad Gharabli/Getty Images"),
    ("EPA-EFE/JANE ROE", "Jane Roe/EPA-EFE"),
    ("JANE ROE (REUTERS)", "Jane Roe/Reuters"),
    ("Jane Roe, AFP", "Jane Roe/AFP"),
    ("picture alliance/dpa | Jane Roe", "Jane Roe/picture alliance/dpa"),
    ("NASA, ESA", "NASA/ESA"),
    # Already in house style, or not the rules' to change.
    ("Adam Gray/AFP via Getty Images", "Adam Gray/AFP via Getty Images"),
    ("Eduardo Munoz Alvarez/AP", "Eduardo Munoz Alvarez/AP"),
    ("Getty Images/Sipa USA", "Getty Images/Sipa USA"),
    ("Olivier Douliery/AFP/Getty Images", "Olivier Douliery/AFP/Getty Images"),
    ("Jane Roe for The New York Times", "Jane Roe for The New York Times"),
    (
        "Photo-Illustration: Cameron Getty; Getty Images",
        "Photo-Illustration: Cameron Getty; Getty Images",
    ),
    ("WIRED Staff", "WIRED Staff"),
    ("Courtesy of NASA", "Courtesy of NASA"),
    ("Imago/Shotshop", "Imago/Shotshop"),  # two outlets: no person to put first
    ("Jane Roe / DER SPIEGEL", "Jane Roe/DER SPIEGEL"),  # an outlet's capitals stay
    ("", ""),
]


@pytest.mark.parametrize(("credit", "expected"), REAL)
def test_real_credits_in_house_style(credit: str, expected: str) -> None:
    assert house_style(credit) == expected
    assert house_style(expected) == expected  # house style is a fixed point


def test_the_key_ignores_case_spacing_and_punctuation_only() -> None:
    assert credit_key("NASA/ESA") == credit_key("NASA, ESA") == credit_key(" nasa /  esa.")
    assert credit_key("Jane Roe/AP") != credit_key("AP/Jane Roe")
    assert credit_key("Jane Roe/AP") != credit_key("Jane Rowe/AP")
    assert credit_key(None) == ""


def _corpus_credits() -> list[str]:
    """Credit lines real pages and files carry: JSON-LD credits, IPTC/XMP credits, caption credits."""
    found: set[str] = set()
    pattern = re.compile(
        r'"(?:credit|creditText|IPTC:Credit|XMP-photoshop:Credit)"\s*:\s*"([^"]{2,80})"'
        r"|\((AP Photo/[^()]{3,40})\)|\b(REUTERS/[A-Z][a-z]+ [A-Z][a-z]+)"
    )
    for folder in ("articles", "metadata"):
        for path in sorted((CORPORA / folder).rglob("*")):
            if path.suffix not in (".html", ".json", ".htm") or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in pattern.finditer(text):
                value = next(g for g in match.groups() if g)
                found.add(json.loads(f'"{value}"') if "\\u" in value else value)
    return sorted(found)


@pytest.mark.skipif(not (CORPORA / "articles").is_dir(), reason="shared corpora absent")
def test_house_style_on_every_credit_in_the_corpora() -> None:
    credits = _corpus_credits()
    assert len(credits) >= 20
    changed = {}
    for credit in credits:
        styled = house_style(credit)
        assert house_style(styled) == styled, credit
        # Nothing is invented: every word of the result was in the credit, or is an agency's name.
        words = set(credit_key(credit).split()) | {"ap", "afp", "reuters", "getty", "images"}
        assert set(credit_key(styled).split()) <= words, (credit, styled)
        if styled != credit:
            changed[credit] = styled
    assert changed.get("AP Photo/Jeff Chiu, File") == "Jeff Chiu/AP"
    assert changed.get("REUTERS/Benoit Tessier") == "Benoit Tessier/Reuters"
