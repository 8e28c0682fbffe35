"""Split a published photo caption into archive note, credit, dates and description."""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

Precision = Literal["day", "month", "year"]
SpanKind = Literal["archive", "credit", "date"]
Where = Literal["leading", "trailing", "anywhere"]
NameCheck = Literal["any", "name", "capitalised"]

__all__ = [
    "ARCHIVE_RULES",
    "CREDIT_RULES",
    "DATE_RULES",
    "CaptionNotes",
    "DateMention",
    "DateRule",
    "NOTE_RULES",
    "NoteRule",
    "Span",
    "find_dates",
    "normalize_credit",
    "parse_caption",
]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DateMention:
    """A date written somewhere in the caption.

    ``value`` is ISO 8601 cut to what the caption actually says ("2019-07-06",
    "2018-10", "1972"), so a month-only mention is never invented into a day.
    ``start``/``end`` index ``raw`` so the UI can highlight the mention in place.
    """

    text: str
    start: int
    end: int
    value: str
    precision: Precision


@dataclass(frozen=True)
class Span:
    """One recognised piece of the raw caption, by position.

    Archive and credit spans are cut out of the description; date spans are only
    annotations. ``form`` is the rule name that recognised it, so a surprising
    parse can be traced back to the row of the rule table responsible.
    """

    kind: SpanKind
    form: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class CaptionNotes:
    """A caption taken apart without losing a character of it.

    ``raw`` is the caption verbatim (``""`` for ``None``). ``archive`` is true
    when any archive marker was seen, including the AP ", File" and Reuters
    "/File Photo" suffixes inside a credit; ``archive_prefix`` is the first
    stand-alone archive note as published ("FILE -", "Archive photo:",
    "(File photo)"), or ``None`` when the only archive signal sits inside the
    credit. ``credit`` is the credited party as published minus the wrapper
    words and brackets: "(AP Photo/Evan Vucci)" gives "AP Photo/Evan Vucci",
    "Photo credit to Jane Roe:" gives "Jane Roe", "REUTERS/Amir Cohen" stays
    "REUTERS/Amir Cohen"; use :func:`normalize_credit` to compare credits.
    ``credit_form`` is the name of the rule that found it. ``dates`` are found
    anywhere, including inside the description and the credit. ``description``
    is what remains once archive notes and the credit (with the separators that
    glued them on) are cut out. ``spans`` lists every archive, credit and date
    span in reading order; the non-space characters of ``raw`` are exactly those
    of ``description`` plus those of the archive and credit spans.
    """

    raw: str
    archive: bool
    archive_prefix: str | None
    credit: str | None
    credit_form: str | None
    dates: tuple[DateMention, ...]
    description: str
    spans: tuple[Span, ...]


# ------------------------------------------------------------------ rule tables


@dataclass(frozen=True)
class NoteRule:
    """A row of the archive/credit table.

    ``where`` says how the parser tries the pattern: ``leading`` patterns are
    anchored at the start of what is still unclaimed (after earlier leading
    notes), ``trailing`` patterns must run to the end of what is unclaimed, and
    ``anywhere`` patterns (bracketed forms, unambiguous wherever they sit) are
    searched through the whole caption. Credit patterns expose the credited
    party as group ``credit``; an optional group ``archive`` marks credits such
    as "(AP Photo/X, File)" that also say the picture is from the archive.
    ``check`` guards against ordinary prose that happens to fit a pattern:
    ``any`` takes any short phrase ("Courtesy of the family"), ``name`` wants it
    not to start lower-case, ``capitalised`` wants every word capitalised apart
    from particles and agency names ("Image: a man walking" is alt text).

    Precedence: bracketed forms are claimed first; then, repeatedly, the longest
    leading match; then, repeatedly, the trailing match that starts earliest.
    Ties go to the earlier row, and one credit is kept: the one that opens or closes
    the caption (the publisher's credit line) over a bracketed one inside the text
    (an agency's own "(Photo by X/AFP)" left in it), else the first one found.
    """

    name: str
    kind: Literal["archive", "credit"]
    where: Where
    pattern: re.Pattern[str]
    check: NameCheck = "any"


@dataclass(frozen=True)
class DateRule:
    """A row of the date table; named groups ``year``, ``month`` and ``day``.

    ``month`` may be digits or an English month name. ``guard`` lets a rule
    veto a match that the pattern alone cannot judge, such as a bare number
    that is really a house number or part of a phone number.
    """

    name: str
    precision: Precision
    pattern: re.Pattern[str]
    guard: Callable[[str, re.Match[str]], bool] | None = None


_FLAGS = re.IGNORECASE
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH = "[" + re.escape(_DASHES) + "]"
#: Characters that only glue a note onto the description; they go with the note.
_GLUE = frozenset(_DASHES + ":;,|/\u2022\u00b7\uff1a\uff0c\u3001")
_BOUNDARY_CHARS = (
    ".!?;:,|)]}\n" + _DASHES + "\u3002\uff0c\u3001\uff1b\uff1a\uff01\uff1f\uff09\u300d"
)
# Scripts without capitals (Arabic, Thai, Korean, Japanese, Chinese): any word may start a note.
_CASELESS = r"[\u0600-\u06ff\u0e00-\u0e7f\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
# A trailing note starts the caption, follows punctuation or a spaced slash ("... 2019 r.
# / Fot. Jan Kowal"), or starts a capitalised word / a copyright sign / a word of a
# caseless script after a space: "a photo by Jane Roe" stays prose.
_BOUNDARY = (
    r"(?:\A|(?<=["
    + re.escape(_BOUNDARY_CHARS)
    + r"])\s*|(?<=\s/)\s*|(?<=\s)(?=(?-i:[A-Z\u00c0-\u00de])|[\u00a9(\[]|"
    + _CASELESS
    + r"))"
)
# The same, but a plain space is not enough: "told Reuters" or "Credit Suisse" is prose.
_PUNCT_BOUNDARY = (
    r"(?:\A|(?<=[" + re.escape(_BOUNDARY_CHARS) + r"])\s*|(?<=\s/)\s*|(?<=\s)(?=[\u00a9(\[]))"
)
# Polish sites close a credit with a spaced slash: "Fot. Jan Kowal / East News /".
_TAIL = r"\s*(?:[.;,]|(?<=\s)/)?\s*\Z"
# BBC pages print "Image copyright X Image caption Y": the label ends the credit.
_LEAD_END = r"\s*(?::|\|+|" + _DASH + r"+(?=\s)|(?=\n)|(?=\s+image\s+caption\b))"
_NAME = r"(?P<credit>[^\n()\[\]{}:|]{1,80}?)"
# A leading credit ends at its separator, so it may hold a bracketed agency or place:
# "Image copyright Khin Win (Shwe Inn Thar) Image caption ...".
_LEADING_NAME = r"(?P<credit>(?:[^\n()\[\]{}:|]|\([^\n()\[\]{}:|]{1,40}\)){1,80}?)"
# After an intro word a trailing credit runs to the end, so a pipe inside it is part
# of the party ("Foto: picture alliance/dpa | Michael Kappeler").
_TRAILING_NAME = r"(?P<credit>[^\n()\[\]{}:]{1,80}?)"


class _Lazy:
    """A pattern compiled on its first use. The rules' 90-odd patterns took half a second
    to compile at import (1.5 s on a loaded machine), which every `photodesk` command
    paid at start, `--help` and `check` included, whether it read a caption or not."""

    __slots__ = ("_source", "_compiled")

    def __init__(self, source: str):
        self._source = source
        self._compiled: re.Pattern[str] | None = None
        _PATTERNS.append(self)

    def compile(self) -> None:
        if self._compiled is None:
            self._compiled = re.compile(self._source, _FLAGS)

    def __getattr__(self, name: str) -> Any:
        self.compile()
        return getattr(self._compiled, name)


_PATTERNS: list[_Lazy] = []


def preload() -> None:
    """Compile every pattern now, for a caller that measures or serves captions and
    would rather pay the half second up front than in its first caption."""
    for pattern in _PATTERNS:
        pattern.compile()


def _compile(pattern: str) -> re.Pattern[str]:
    return cast("re.Pattern[str]", _Lazy(pattern))


def _intro_rules(
    form: str,
    intro: str,
    where: Sequence[Where] = ("anywhere", "leading", "trailing"),
    check: NameCheck = "name",
    boundary: str = _BOUNDARY,
) -> list[NoteRule]:
    """Rules for credits spelled "<intro> <party>": bracketed, leading or trailing.

    A leading credit is only recognised when a colon, pipe, spaced dash or line
    break ends it, because otherwise nothing tells where the party's name stops.
    Leading forms always demand a name-like party for the same reason.
    """
    shapes: dict[Where, str] = {
        "anywhere": r"[(\[]\s*(?:" + intro + r")\s*" + _NAME + r"\s*[)\]]",
        "leading": r"\s*(?:" + intro + r")\s*" + _LEADING_NAME + _LEAD_END,
        "trailing": boundary + r"(?:" + intro + r")\s*" + _TRAILING_NAME + _TAIL,
    }
    rules = []
    for w in where:
        rule_check: NameCheck = "name" if w == "leading" and check == "any" else check
        rules.append(NoteRule(form, "credit", w, _compile(shapes[w]), rule_check))
    _INTRO_FORMS.add(form)
    return rules


#: The credit forms spelled with a credit word ("Photo:", "Credit:", "©", "Courtesy of"),
#: filled as :func:`_intro_rules` makes them.
_INTRO_FORMS: set[str] = set()


_PHOTO_WORD = r"(?:photo|photograph|picture|pic|image|footage)s?"
# "Archivbild", "archivo", "archiwum": the archive word in the languages captions use.
_ARCHIVE_WORD = (
    r"(?:file|archives?|archival|archiv(?:bild|foto|aufnahme)?|archivo|archivio|archiwum"
    r"|archief|arkiv|arkisto)"
)

#: Archive notes. Add a row to recognise a new house style.
ARCHIVE_RULES: tuple[NoteRule, ...] = (
    NoteRule(
        "archive_bracketed",
        "archive",
        "anywhere",
        _compile(r"[(\[]\s*" + _ARCHIVE_WORD + r"(?:\s+" + _PHOTO_WORD + r")?\s*[)\]]"),
    ),
    NoteRule(
        "archive_prefix",
        "archive",
        "leading",
        _compile(
            r"\s*"
            + _ARCHIVE_WORD
            + r"(?:\s+"
            + _PHOTO_WORD
            + r")?(?:\s*:\s*|\s+"
            + _DASH
            + r"+\s*|"
            + _DASH
            + r"+(?=\s|\Z)\s*|\s*\|\s*)"
        ),
    ),
    NoteRule(
        "archive_suffix",
        "archive",
        "trailing",
        _compile(_BOUNDARY + _ARCHIVE_WORD + r"\s+" + _PHOTO_WORD + _TAIL),
    ),
)

#: Picture agencies, wire services and photo desks that credits name. Short or
#: lower-case names ("dpa", "ap") count as names inside credits; a name here may
#: also stand alone as the whole credit when punctuation sets it off.
_AGENCY_NAMES = (
    # wires and national agencies
    r"reuters|afp|agence\s+france[-\s]presse|ap|upi|dts(?:\s+nachrichtenagentur)?"
    r"|epa(?:[-\s]efe)?|(?:agencia\s+)?efe|dpa|ddp|epd|kna|apa|sda|keystone(?:[-\s]sda)?"
    r"|anp|belga|ansa|lapresse|lusa|tt|ntb(?:\s+scanpix)?|ritzau(?:\s+scanpix)?|scanpix|lehtikuva|stt"
    r"|pap|ctk|\u010dtk|mti|hina|tanjug|bta|anadolu(?:\s+agency)?|aa|xinhua|kyodo(?:\s+news)?"
    r"|jiji(?:\s+press)?|yonhap|aap|pti|ians|bernama|antara|tass|sputnik|ria\s+novosti|ukrinform"
    r"|irna|isna|tasnim|mehr|fars|wana|ilna|wafa|kcna|europa\s+press|press\s+association"
    # picture agencies and photo desks
    r"|getty\s+images(?:\s+(?:plus|news|sport|entertainment))?|istock(?:photo)?|shutterstock"
    r"|alamy(?:\s+(?:live\s+news|stock\s+photo))?|rex(?:\s+features)?|pa(?:\s+(?:images|wire|media))?"
    r"|picture[\s-]*alliance|imago(?:\s+images)?|ullstein\s*bild|sz\s+photo|action\s+press"
    r"|westend61|shotshop|bloomberg|nurphoto|sopa\s+images|lightrocket|zuma(?:\s+(?:press|wire))?"
    r"|sipa(?:\s+(?:usa|press))?|abaca(?:press)?|hans\s+lucas|maxppp|redux|polaris|eyevine"
    r"|magnum(?:\s+photos)?|corbis|hulton\s+archive|action\s+images|usa\s+today\s+sports"
    r"|imagn(?:\s+images)?|icon\s+sportswire|dppi|panoramic|photonews|agencja\s+gazeta"
    r"|east\s+news|nyt|the\s+new\s+york\s+times|the\s+washington\s+post|wenn|backgrid|nasa"
    r"|usa\s+today(?:\s+(?:sports|network))?|pool|esa|jaxa|noaa|usgs|(?:the\s+)?associated\s+press"
    # the same agencies as Arabic, Korean, Japanese and Chinese papers name them
    r"|\u0631\u0648\u064a\u062a\u0631\u0632|\u0641\u0631\u0627\u0646\u0633\s+\u0628\u0631\u0633|\u0623\s*\u0641\s*\u0628|\u0627\u0644\u0623\u0646\u0627\u0636\u0648\u0644|\u0623\u0633\u0648\u0634\u064a\u062a\u062f\s+\u0628\u0631\u0633|\u063a\u064a\u062a\u064a|\u062c\u064a\u062a\u064a"
    r"|\uc5f0\ud569\ub274\uc2a4|\ub274\uc2dc\uc2a4|\ub274\uc2a41|\u5171\u540c\u901a\u4fe1|\u6642\u4e8b\u901a\u4fe1|\u65b0\u534e\u793e|\u4e2d\u65b0\u793e|\u89c6\u89c9\u4e2d\u56fd"
)
_AGENCY = r"(?<![\w])(?:" + _AGENCY_NAMES + r")(?![\w])"
#: Agencies that never read as ordinary words, so a space is enough to set them off.
_LONG_AGENCY = (
    r"(?:getty\s+images|shutterstock|alamy|picture[\s-]*alliance|imago(?:\s+images)?"
    r"|ullstein\s*bild|istock(?:photo)?|nurphoto|sopa\s+images|lightrocket|westend61)(?![\w])"
)
#: "AFP/Getty Images", "AFP - Getty Images", "AFP via Getty Images", "Sipa USA/AP".
_AGENCY_SEP = r"(?:\s*/\s*|\s+" + _DASH + r"\s+|,?\s+via\s+)"
_AGENCY_CHAIN = _AGENCY + r"(?:" + _AGENCY_SEP + _AGENCY + r")*"
#: Agency names may be printed in lower case ("dpa") without making the credit prose.
_KNOWN_AGENCY = re.compile(_AGENCY_CHAIN, _FLAGS)
# A word of a person's name: not the start of an agency name, so that in
# "Jane Roe Getty Images/Sipa USA" the agencies are not read as her surname.
_NAME_WORD = r"(?!" + _AGENCY + r")[^\W\d_][\w'\u2019-]*\.?"
_FILE_TAIL = (
    r"(?:\s*(?:,|/)\s*(?P<archive>file(?:\s+photo)?|archiv(?:e|es|o|io|bild|foto)?|arquivo))?"
)
_CAP_WORD = r"(?-i:[A-Z\u00c0-\u00de][\w&.'\u2019-]*)"
_LINK_WORD = (
    r"(?-i:for|of|the|to|at|de|del|van|von|der|den|la|le|du|da|di|y|and|und|et|&"
    r"|pour|f\u00fcr|para|per|voor|f\u00f6r)"
)
#: "for" in the languages a "Jane Roe for The Times" credit is printed in.
_FOR = r"(?:for|pour|f\u00fcr|para|per|voor|f\u00f6r)"
#: "Jane Roe", "The New York Times", "Jane Roe for The Guardian": capitalised words.
_CAP_WORDS = _CAP_WORD + r"(?:\s+(?:" + _LINK_WORD + r"\s+)*" + _CAP_WORD + r"){0,5}"

#: "Photo" in the languages captions are printed in; "<word>: <party>" is a credit.
_PHOTO_WORDS = (
    r"photo(?:graph)?s?|pictures?|pics?|(?:photo[-\s]?)?illustration|composite|grafik|"
    r"infographic|fotos?|fotograf(?:\u00eda|ia|ie|i)?|fot\u00f3|fotoğraf"
    r"|zdj\u0119ci[ea]|fot\.|kuva(?:t)?|bild(?:er)?|billede|beeld|\u03c6\u03c9\u03c4\u03bf\u03b3\u03c1"
    r"\u03b1\u03c6\u03af\u03b1|\u0444\u043e\u0442\u043e|image[mn]s?|im\u00e1genes|\u0639\u06a9\u0633"
    r"|screen\s*(?:shot|grab)s?|gifs?|graphics?|renderings?|stills?"
    # Korean, Japanese, Chinese (2), Thai, Vietnamese, Hindi (3), Arabic (3) "photo"
    r"|\uc0ac\uc9c4|\u5199\u771f|\u56fe\u7247|\u56fe|\u0e20\u0e32\u0e1e|\u1ea3nh|\u092b\u093c\u094b\u091f\u094b|\u092b\u094b\u091f\u094b|\u0924\u0938\u094d\u0935\u0940\u0930|\u062a\u0635\u0648\u064a\u0631|\u0635\u0648\u0631\u0629|\u0639\u062f\u0633\u0629"
)
#: "Credit" words: a credit follows them after a colon (or an ellipsis, as the NYT prints it).
_CREDIT_WORDS = (
    r"(?:mandatory\s+)?(?:(?:photo|image|picture|foto)\s*)?credits?(?:\s+photos?)?"
    r"|cr\u00e9dits?(?:\s+photos?)?"
    r"|cr\u00e9ditos?(?:\s+(?:de\s+)?(?:la\s+)?(?:foto|imagen)s?)?|credito(?:\s+foto)?"
    r"|bildnachweis|bildrechte|fotonachweis|photographer|photographe|fot\u00f3grafo|fotografo"
    r"|fotograf(?:in)?|kredit|kredi|\u0938\u093e\u092d\u093e\u0930|\uc81c\uacf5|\u63d0\u4f9b"
)
#: "Source" words, the usual credit intro in German, Polish and Nordic captions.
_SOURCE_WORDS = (
    r"(?:bild|foto)?quelle|\u017ar\u00f3d\u0142o(?:\s+zdj\u0119cia)?|fuente|fonte|fonti|source"
    r"|bron|kilde|k\u00e4lla|l\u00e4hde|zdroj|forr\u00e1s|kaynak|sursa|sumber"
    # Russian, Chinese (2), Korean, Japanese (2), Arabic, Thai, Vietnamese, Hindi "source"
    r"|\u0438\u0441\u0442\u043e\u0447\u043d\u0438\u043a|\u6765\u6e90|\u56fe\u7247\u6765\u6e90|\ucd9c\ucc98"
    r"|\u51fa\u5178|\u51fa\u6240|\u0627\u0644\u0645\u0635\u062f\u0631|\u0e17\u0e35\u0e48\u0e21\u0e32|ngu\u1ed3n"
    r"|\u0938\u094d\u0930\u094b\u0924"
)
_ANY_INTRO = r"(?:" + _PHOTO_WORDS + r"|" + _CREDIT_WORDS + r"|" + _SOURCE_WORDS + r")"
#: The colon after an intro; Korean and Japanese papers print "=" ("\uc0ac\uc9c4=\uc5f0\ud569\ub274\uc2a4").
_COLON = r"(?::|\uff1a|=)"
#: "Foto/Quelle:", "Photo / Credit :" — several intro words before one colon.
_INTRO_COLON = _ANY_INTRO + r"(?:\s*[/&]\s*" + _ANY_INTRO + r")*\s*" + _COLON
_COPYRIGHT = (
    # "(C)" is also "centre" in a caption: a copyright only before a year or a capital.
    r"(?:\u00a9|\(c\)(?=\s*(?:\d|(?-i:[A-Z\u00c0-\u00de])))|(?:(?:image|photo|picture)\s+)?"
    r"copyright\b\s*\u00a9?"
    r"|\u1013\u102c\u1010\u103a\u1015\u102f\u1036\s*\u1019\u1030\u1015\u102d\u102f\u1004\u103a)"
)


def _name_slash_outlet(extra_name_words: int, spaced: bool = True) -> str:
    """A credit group "<Name> / <Outlet>[/<Outlet>]"; the name never starts an agency.

    ``spaced=False`` wants the first slash unspaced ("Jane Roe/CNN"): after a plain space,
    "Mount Everest / Nepal" is a place.
    """
    word = r"(?!" + _AGENCY + r")" + _CAP_WORD
    return (
        r"(?P<credit>"
        + word
        + r"(?:\s+"
        + word
        + r"){"
        + str(extra_name_words)
        + r",3}"
        + (r"\s*/\s*" if spaced else "/")
        + r"(?:(?-i:[Ff]or)\s+)?"
        + _CAP_WORDS
        + r"(?:\s*/\s*"
        + _CAP_WORDS
        + r")*)"
    )


# A capitalised word in a bracketed credit; nicknames keep their quotes ("Al 'Hughes' Dukes").
_BRACKET_WORD = r"(?-i:[\"'\u2018\u201c]?[A-Z\u00c0-\u00de][\w&.'\u2018\u2019\u201c\u201d\"-]*)"

#: Words that name where a picture came from without naming anyone.
_STOCK_WORDS = (
    r"(?:handout|supplied|provided|contributed|submitted|courtesy|staff|pool)"
    r"(?:\s+(?:photo|image|picture)s?)?"
)

#: Credit forms, most specific first: at equal positions the earlier row wins.
CREDIT_RULES: tuple[NoteRule, ...] = (
    NoteRule(
        "ap_style",
        "credit",
        "anywhere",
        _compile(
            r"[(\[]\s*(?P<credit>(?-i:[A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3})\s+(?:photo|foto)s?"
            r"\s*/\s*[^()\[\]\n]{1,80}?|(?-i:[A-Z]{2,})\s+(?:photo|foto)s?)"
            r"(?:\s*,\s*(?P<archive>file(?:\s+photo)?))?\s*[)\]]"
        ),
    ),
    NoteRule(
        "ap_style",
        "credit",
        "trailing",
        _compile(
            _BOUNDARY
            + r"(?P<credit>(?-i:[A-Z]{2,})\s+(?:photo|foto)s?\s*/\s*[^\n/()\[\]|:,]{1,60}?)"
            + _FILE_TAIL
            + _TAIL
        ),
        "capitalised",
    ),
    *_intro_rules("photo_credit_to", r"photo\s*credits?\s+to\b"),
    *_intro_rules("credit_should_read", r"(?:photo\s*)?credits?\s+should\s+read\b\s*:?"),
    *_intro_rules(
        "credit_colon",
        # "Credit Credit: X", "Credit: Credit: X": a label printed twice is one intro.
        r"(?:(?:"
        + _CREDIT_WORDS
        + r")\s*(?:(?::|\uff1a|\.{2,}|\u2026)\s*)?)*(?:"
        + _CREDIT_WORDS
        + r")\s*(?::|\uff1a|\.{2,}|\u2026)\s*",
    ),
    *_intro_rules(
        "photo_by",
        r"(?:(?:pool|file|handout|staff)\s+)?(?:"
        + _PHOTO_WORD
        + r"|screen\s*(?:shot|grab)s?|video|stills?|illustrations?|graphics?)\s+by\b\s*:?",
        check="capitalised",
    ),
    *_intro_rules(
        "photo_by",
        r"(?:foto(?:graf\u00eda|grafia)?|photo|bild)s?\s+(?:di|de|von|door|av|af|par)\b\s*:?",
        check="capitalised",
    ),
    *_intro_rules(
        "photo_courtesy", r"(?:photos?|images?|pictures?)\s+courtesy(?:\s+of)?\b\s*:?", check="any"
    ),
    *_intro_rules("courtesy", r"courtesy(?:\s+of)?\b\s*:?", check="any"),
    # "Foto cedida por ...", "Cortesía de ...", "Avec l'aimable autorisation de ...".
    *_intro_rules(
        "courtesy",
        r"(?:(?:fotos?|fotograf\u00edas?|im\u00e1genes|imagen|imagem)\s+cedidas?\s+por"
        r"|(?:por\s+)?cortes\u00eda\s+de|avec\s+l['\u2019]aimable\s+autorisation\s+d[eu]"
        r"|mit\s+freundlicher\s+genehmigung\s+(?:von|der|des))\b\s*:?",
        check="any",
    ),
    # "© Foto: Getty Images" is one credit: the intro words after the sign are part of it.
    *_intro_rules(
        "copyright",
        _COPYRIGHT + r"(?:\s*" + _INTRO_COLON + r")?",
        check="name",
        boundary=_BOUNDARY.replace(r"\A|", "", 1),
    ),
    # A caption that is all "© ..." must read as a name throughout: "© Fox News Sean
    # Hannity interviews Dana Roe" is a credit run into the description, not a credit.
    *_intro_rules(
        "copyright",
        _COPYRIGHT + r"(?:\s*" + _INTRO_COLON + r")?",
        ("trailing",),
        check="capitalised",
        boundary=r"\A\s*",
    ),
    # "© Alamy One of the few photos ...": a known agency ends a leading credit by itself.
    NoteRule(
        "copyright",
        "credit",
        "leading",
        _compile(
            r"\s*"
            + _COPYRIGHT
            + r"(?:\s*"
            + _INTRO_COLON
            + r")?\s*(?P<credit>"
            + _AGENCY_CHAIN
            + r")(?=\s+(?-i:[A-Z\u00c0-\u00de]))"
        ),
    ),
    NoteRule(
        "photo_colon",
        "credit",
        "leading",
        _compile(
            r"\s*"
            + _INTRO_COLON
            + r"\s*(?P<credit>"
            + _AGENCY_CHAIN
            + r")(?=\s+(?-i:[A-Z\u00c0-\u00de]))"
        ),
    ),
    *_intro_rules(
        "photo_colon",
        r"(?:" + _PHOTO_WORDS + r")(?:\s*[/&]\s*" + _ANY_INTRO + r")*\s*" + _COLON,
        check="capitalised",
    ),
    *_intro_rules("source_colon", r"(?:" + _SOURCE_WORDS + r")\s*" + _COLON, check="capitalised"),
    *_intro_rules("image_colon", r"images?\s*:", ("anywhere", "trailing"), check="capitalised"),
    # "Credit Jane Roe", "Foto dpa": no colon, so only after punctuation and in capitals.
    *_intro_rules(
        "credit_plain",
        r"(?-i:Credits?|CREDITS?|Fotos?|FOTOS?|Fot\.|FOT\.|Bild|BILD|Beeld|BEELD|Kuva|KUVA"
        r"|(?:Photos?|PHOTOS?)(?:\s+d['\u2019](?:illustration|archives?)|\s+archives?)?\s*:?"
        r"|Zdj\u0119cie)(?=\s)",
        ("trailing",),
        check="capitalised",
        boundary=_PUNCT_BOUNDARY,
    ),
    # "(foto Ansa)", "(Photo Jane Roe)": in brackets the intro needs no colon (but
    # "(Credit Suisse)" is a bank).
    *_intro_rules(
        "credit_plain",
        r"(?:fotos?|fot\.|photos?(?:\s+d['\u2019](?:illustration|archives?)|\s+archives?)?\s*:?"
        r"|bild|beeld|kuva)(?=\s)",
        ("anywhere",),
        check="capitalised",
    ),
    # BBC: "Image source, Getty Images" above "Image caption, ...".
    *_intro_rules(
        "image_source",
        r"(?:image|picture|photo)\s+source\s*,",
        ("leading", "trailing"),
        check="name",
    ),
    # "[File: Jane Roe/Reuters]": an archive note and the credit in one bracket.
    NoteRule(
        "file_credit_bracketed",
        "credit",
        "anywhere",
        _compile(
            r"[(\[]\s*(?P<archive>file(?:\s+photo)?)\s*:\s*(?P<credit>[^\n()\[\]{}:|]{1,80}?)\s*[)\]]"
        ),
        "capitalised",
    ),
    # "Manifestación en Madrid. CLAUDIO ÁLVAREZ (EL PAÍS)": the photographer with the
    # agency in brackets, closing the caption; the bracket alone would lose the name.
    # An unknown outlet must be several capitalised words: "Olaf Scholz (SPD)" is a party.
    NoteRule(
        "name_bracketed_agency",
        "credit",
        "anywhere",
        _compile(
            r"(?:(?<=[.!?;|\n])|(?<=[.!?;|\n]\s))(?P<credit>"
            + _NAME_WORD
            + r"(?:\s+"
            + _NAME_WORD
            + r"){0,3}\s*\((?:"
            + _AGENCY_CHAIN
            + r"|(?-i:[A-Z\u00c0-\u00de.'-]+(?:\s+[A-Z\u00c0-\u00de.'-]+)+))\))"
            + _TAIL
        ),
        "capitalised",
    ),
    # "Photo: Jane Roe (Reuters)": the bracket belongs to the credit, not alone to it.
    NoteRule(
        "photo_colon",
        "credit",
        "anywhere",
        _compile(
            _BOUNDARY
            + _INTRO_COLON
            + r"\s*(?P<credit>"
            + _NAME_WORD
            + r"(?:\s+"
            + _NAME_WORD
            + r"){0,3}\s*\((?:"
            + _AGENCY_CHAIN
            + r"|"
            + _CAP_WORDS
            + r")\))"
            + _TAIL
        ),
        "capitalised",
    ),
    # "(Handout)", "(Supplied)", "(Courtesy photo)": the source named by its role.
    NoteRule(
        "stock_word",
        "credit",
        "anywhere",
        _compile(r"[(\[]\s*(?P<credit>" + _STOCK_WORDS + r")\s*[)\]]"),
    ),
    NoteRule(
        "agency_bracketed",
        "credit",
        "anywhere",
        # "(PTI) party protest": an abbreviation explained inside the sentence, not a credit.
        _compile(
            r"[(\[]\s*(?P<credit>"
            + _AGENCY_CHAIN
            + r")"
            + _FILE_TAIL
            + r"\s*[)\]](?!\s*(?-i:[a-z\u00df-\u00ff]))"
        ),
    ),
    NoteRule(
        "via_bracketed",
        "credit",
        "anywhere",
        _compile(
            r"[(\[]\s*(?P<credit>(?-i:[A-Z][\w&.'/-]*(?:\s+[A-Z][\w&.'/-]*){0,3})"
            r"\s+via\s+(?-i:[A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,2}))\s*[)\]]"
        ),
    ),
    # "(SpaceX)", "(NASA/ESA)": a bracketed proper name closing the caption.
    NoteRule(
        "bracketed_name",
        "credit",
        "trailing",
        _compile(
            r"[(\[]\s*(?!(?:left|right|center|centre|top|bottom|above|below|front|back|inset"
            r"|file|pictured|seated|standing|foreground|background|symbolbild|symbolfoto"
            r"|illustration|representational|representative|stock|l|r|c|m|l-r|r-l)\b)"
            # "(SPD)", "(MEPs)": a short abbreviation at the end is a party or a group; known
            # agencies in brackets were claimed before this row is tried.
            r"(?!(?-i:[A-Z\u00c0-\u00de]{1,4}s?)\s*[)\]])"
            r"(?P<credit>"
            + _BRACKET_WORD
            + r"(?:\s*[/,]\s*"
            + _BRACKET_WORD
            + r"|\s+"
            + _BRACKET_WORD
            + r"){0,4})"
            r"\s*[)\]]" + _TAIL
        ),
        "capitalised",
    ),
    NoteRule(
        "agency_slash",
        "credit",
        "trailing",
        _compile(
            _BOUNDARY
            + r"(?P<credit>(?:"
            + _AGENCY
            + r"|(?-i:[A-Z]{2,}(?:[-\s][A-Z]{2,})?))\s*/\s*[^\n/()\[\]|:]{1,60}?)"
            + _FILE_TAIL
            + _TAIL
        ),
        "capitalised",
    ),
    NoteRule(
        "name_slash_agency",
        "credit",
        "anywhere",
        _compile(
            r"[(\[]\s*(?P<credit>(?:"
            + _NAME_WORD
            + r"\s+){0,3}"
            + _NAME_WORD
            + _AGENCY_SEP
            + _AGENCY_CHAIN
            + r")"
            + _FILE_TAIL
            + r"\s*[)\]]"
        ),
        "capitalised",
    ),
    NoteRule(
        # "(Jane Roe / The Guardian)" anywhere: a two-word name makes it a credit, not "(US/Mexico)".
        "name_slash_outlet",
        "credit",
        "anywhere",
        _compile(
            r"[(\[]\s*(?P<credit>"
            + _CAP_WORD
            + r"(?:\s+"
            + _CAP_WORD
            + r"){1,3}\s*/\s*"
            + _CAP_WORDS
            + r"(?:\s*/\s*"
            + _CAP_WORDS
            + r")*)"
            + _FILE_TAIL
            + r"\s*[)\]]"
        ),
        "capitalised",
    ),
    NoteRule(
        "name_slash_agency",
        "credit",
        "trailing",
        _compile(
            r"(?<![\w'\u2019.-])(?P<credit>(?:"
            + _NAME_WORD
            + r"\s+){0,3}"
            + _NAME_WORD
            + r"(?:\s*/\s*|"
            + _DASH
            + r"|\s+via\s+)"
            + _AGENCY_CHAIN
            + r")"
            + _FILE_TAIL
            + _TAIL
        ),
        "capitalised",
    ),
    # "Rally. Jane Roe/The Guardian": an outlet we do not know. A one-word name only
    # after punctuation, so that "talks between US/China" stays prose.
    NoteRule(
        "name_slash_outlet",
        "credit",
        "trailing",
        _compile(_PUNCT_BOUNDARY + _name_slash_outlet(0) + _FILE_TAIL + _TAIL),
        "capitalised",
    ),
    NoteRule(
        "name_slash_outlet",
        "credit",
        "trailing",
        _compile(r"(?<=\s)" + _name_slash_outlet(1, spaced=False) + _FILE_TAIL + _TAIL),
        "capitalised",
    ),
    # "Rally. Getty Images", "Rally | AFP/Getty Images": the agency alone, after the
    # description (a caption that is only "ap" is not taken for a credit). After a
    # plain space only names that never read as ordinary words.
    NoteRule(
        "agency_only",
        "credit",
        "trailing",
        _compile(
            # At the very start only a capitalised name: a caption "AP" or "Getty Images"
            # is a credit alone, "ap" is not.
            _PUNCT_BOUNDARY.replace(r"\A|", r"\A\s*(?=(?-i:[A-Z]))|", 1)
            + r"(?P<credit>"
            + _AGENCY_CHAIN
            + r")"
            + _FILE_TAIL
            + _TAIL
        ),
    ),
    NoteRule(
        "agency_only",
        "credit",
        "trailing",
        _compile(
            r"(?<=\s)(?P<credit>"
            + _LONG_AGENCY
            + r"(?:"
            + _AGENCY_SEP
            + _AGENCY
            + r")*)"
            + _FILE_TAIL
            + _TAIL
        ),
    ),
    # "Jane Roe, USA TODAY", "Jane Roe, AFP": a comma before a known agency.
    NoteRule(
        "name_comma_agency",
        "credit",
        "trailing",
        _compile(
            r"(?<![\w'\u2019.-])(?P<credit>(?:"
            + _NAME_WORD
            + r"\s+){0,3}"
            + _NAME_WORD
            + r",\s*"
            + _AGENCY_CHAIN
            + r")"
            + _FILE_TAIL
            + _TAIL
        ),
        "capitalised",
    ),
    # "(Jane Roe for The Washington Post)"
    NoteRule(
        "name_for_outlet",
        "credit",
        "anywhere",
        _compile(
            r"[(\[]\s*(?P<credit>"
            + _CAP_WORD
            + r"(?:\s+"
            + _CAP_WORD
            + r"){1,3}\s+"
            + _FOR
            + r"\s+[\u00ab\"\u201c]?\s*"
            + _CAP_WORDS
            + r"\s*[\u00bb\"\u201d]?)\s*[)\]]"
        ),
        "capitalised",
    ),
    NoteRule(
        "stock_word",
        "credit",
        "trailing",
        _compile(_PUNCT_BOUNDARY + r"(?=(?-i:[A-Z]))(?P<credit>" + _STOCK_WORDS + r")" + _TAIL),
    ),
    # "Jane Roe, Staff Photographer", "JANE ROE, Correspondent".
    NoteRule(
        "name_comma_role",
        "credit",
        "trailing",
        _compile(
            _PUNCT_BOUNDARY
            + r"(?P<credit>"
            + _CAP_WORD
            + r"(?:\s+"
            + _CAP_WORD
            + r"){1,3},\s*(?:(?:staff|contributing|freelance|chief|senior)\s+)?"
            r"(?:photographer|photojournalist|contributor|correspondent|staff)"
            r"(?:\s*/\s*" + _CAP_WORDS + r")?)" + _TAIL
        ),
        "capitalised",
    ),
    # "ST PHOTO: JANE ROE": the paper's own photo desk, kept whole like "AP Photo/X".
    NoteRule(
        "outlet_photo",
        "credit",
        "trailing",
        _compile(
            _BOUNDARY
            + r"(?P<credit>(?-i:[A-Z]{2,}(?:\s[A-Z]{2,})?)\s+photos?\s*:\s*[^\n()\[\]{}:|]{1,60}?)"
            + _TAIL
        ),
        "capitalised",
    ),
    # "Jane Roe for The New York Times", "Jane Roe for TIME".
    NoteRule(
        "name_for_outlet",
        "credit",
        "trailing",
        _compile(
            _PUNCT_BOUNDARY
            + r"(?P<credit>"
            + _CAP_WORD
            + r"(?:\s+"
            + _CAP_WORD
            + r"){1,3}\s+"
            + _FOR
            + r"\s+[\u00ab\"\u201c]?\s*"
            + _CAP_WORDS
            + r"\s*[\u00bb\"\u201d]?)"
            + _TAIL
        ),
        "capitalised",
    ),
    # "(ABC News: Jane Roe)": outlet, colon, photographer, closing the caption.
    NoteRule(
        "outlet_colon_name",
        "credit",
        "trailing",
        _compile(
            r"[(\[]\s*(?!(?:left|right|from|top|bottom|above|below|inset|pictured|file)\b)"
            r"(?P<credit>" + _CAP_WORDS + r"\s*:\s*" + _CAP_WORDS + r")\s*[)\]]" + _TAIL
        ),
        "capitalised",
    ),
    # CNBC: "Adam Jeffery | CNBC", "Jane Roe | Bloomberg | Getty Images".
    NoteRule(
        "name_pipe_outlet",
        "credit",
        "trailing",
        _compile(
            _PUNCT_BOUNDARY.replace(r"\A|", "", 1)
            + r"(?P<credit>(?!"
            + _AGENCY
            + r")"
            + _CAP_WORD
            + r"(?:\s+"
            + _CAP_WORD
            + r"){1,3}(?:\s*\|\s*"
            + _CAP_WORDS
            + r")+)"
            + _TAIL
        ),
        "capitalised",
    ),
    # "Le port de Brest. | OUEST-FRANCE": a pipe sets a short name off as the credit.
    NoteRule(
        "pipe_name",
        "credit",
        "trailing",
        _compile(
            # One title-case word after a pipe is a place ("| Hamburg"); a credit has two
            # words, capitals ("| OUEST-FRANCE") or is an agency (another row).
            r"(?<=\|)\s*(?P<credit>(?:"
            + _CAP_WORD
            + r"\s+"
            + _CAP_WORDS
            + r"|(?-i:[A-Z\u00c0-\u00de][A-Z\u00c0-\u00de0-9&.'-]+))(?:\s*/\s*"
            + _CAP_WORDS
            + r")*)"
            + _TAIL
        ),
        "capitalised",
    ),
    # "Un rayo en el cielo / Juan Doe": after a spaced slash, a name of two words or more.
    NoteRule(
        "pipe_name",
        "credit",
        "trailing",
        _compile(
            r"(?<=\s/)\s*(?P<credit>"
            + _CAP_WORD
            + r"\s+"
            + _CAP_WORDS
            + r"(?:\s*/\s*"
            + _CAP_WORDS
            + r")*)"
            + _TAIL
        ),
        "capitalised",
    ),
    NoteRule(
        # Chinese "<photographer> 摄" ("photographed by"), often in full-width brackets.
        "cn_photographer",
        "credit",
        "trailing",
        _compile(
            _BOUNDARY + r"[\uff08(]?\s*(?P<credit>[^\s\uff0c\u3002\u3001\uff08\uff09()\n]{1,16}"
            r"(?:\s+[^\s\uff0c\u3002\u3001\uff08\uff09()\n]{1,16}){0,2})\s*\u6444\s*[\uff09)]?"
            + _TAIL
        ),
    ),
)

#: Every archive and credit rule, in the order the parser prefers them.
NOTE_RULES: tuple[NoteRule, ...] = ARCHIVE_RULES + CREDIT_RULES

#: Month names as captions print them, by month: English with its abbreviations, then
#: German, French, Spanish, Italian, Portuguese, Dutch, Scandinavian, Polish (genitive,
#: as dates use it) and Finnish (partitive). Abbreviations may carry a full stop.
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: (
        "jan",
        "january",
        "januar",
        "j\u00e4nner",
        "janv",
        "janvier",
        "enero",
        "gennaio",
        "janeiro",
        "januari",
        "stycznia",
        "tammikuuta",
    ),
    2: (
        "feb",
        "february",
        "februar",
        "f\u00e9vr",
        "f\u00e9vrier",
        "febrero",
        "febbraio",
        "fevereiro",
        "februari",
        "lutego",
        "helmikuuta",
    ),
    3: (
        "mar",
        "march",
        "m\u00e4rz",
        "m\u00e4r",
        "mars",
        "marzo",
        "mar\u00e7o",
        "maart",
        "marts",
        "marca",
        "maaliskuuta",
    ),
    4: ("apr", "april", "avr", "avril", "abril", "aprile", "kwietnia", "huhtikuuta"),
    5: ("may", "mai", "mayo", "maggio", "maio", "mei", "maj", "maja", "toukokuuta"),
    6: ("jun", "june", "juni", "juin", "junio", "giugno", "junho", "czerwca", "kes\u00e4kuuta"),
    7: (
        "jul",
        "july",
        "juli",
        "juil",
        "juillet",
        "julio",
        "luglio",
        "julho",
        "lipca",
        "hein\u00e4kuuta",
    ),
    8: ("aug", "august", "ao\u00fbt", "agosto", "augustus", "augusti", "sierpnia", "elokuuta"),
    9: (
        "sep",
        "sept",
        "september",
        "septembre",
        "septiembre",
        "setiembre",
        "settembre",
        "setembro",
        "wrze\u015bnia",
        "syyskuuta",
    ),
    10: (
        "oct",
        "october",
        "okt",
        "oktober",
        "octobre",
        "octubre",
        "ottobre",
        "outubro",
        "pa\u017adziernika",
        "lokakuuta",
    ),
    11: ("nov", "november", "novembre", "noviembre", "novembro", "listopada", "marraskuuta"),
    12: (
        "dec",
        "december",
        "dez",
        "dezember",
        "d\u00e9c",
        "d\u00e9cembre",
        "diciembre",
        "dicembre",
        "dezembro",
        "grudnia",
        "joulukuuta",
    ),
}
_MONTH_NUMBERS = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_MONTH = (
    r"(?<![^\W\d_])(?P<month>"
    + "|".join(re.escape(n) for n in sorted(_MONTH_NUMBERS, key=len, reverse=True))
    + r")(?:\.|(?![^\W\d_]))"
)
#: Lower-case words that are usually verbs, not months ("prices may 2019 ...").
_AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar"})
# "6th", "1er", "6." (German), "1\u00ba" (Spanish): the day may carry an ordinal mark.
_DAY = r"(?<!\d)(?P<day>\d{1,2})(?!\d)(?:st|nd|rd|th|er|\u00ba|\.)?(?![^\W\d_])"
_YEAR = r"(?P<year>\d{4})(?!\d)"

_PHONE = re.compile(
    r"(?<!\d)\(?\d{3}\)?[-.\s]\d{3}[-.]\d{4}(?!\d)"
    r"|(?<!\d)\d{3}-\d{4}(?!\d)"
    r"|\+\d{1,3}(?:[\s.-]?\d{2,4}){2,}"
)
_NUMBER_LABEL = re.compile(
    r"(?:\b(?:no|nr|num|number|vol|volume|page|pp?|room|flight|route|bus|unit|suite|apt|case"
    r"|model|bib|item|lot|ref|id|code|ext|tel|phone|fax|box|jersey|platform|gate|exit|hwy"
    r"|highway|ward|lane)\.?|#|n\u00ba|\u2116)\s*\Z",
    _FLAGS,
)
_UNIT_AFTER = re.compile(
    r"\s*(?:%|\u00b0|km\b|kg\b|m\b|cm\b|mm\b|ft\b|feet\b|metres?\b|meters?\b|miles?\b"
    r"|tons?\b|tonnes?\b|hp\b|cc\b|mph\b)",
    _FLAGS,
)
_EARLIEST_PHOTO_YEAR = 1839


def _lone_year_ok(text: str, m: re.Match[str]) -> bool:
    """Accept a bare four-digit number only when it reads like a year.

    Photography dates from 1839, so earlier bare numbers are counts or codes;
    thousands separators, decimals, currency, units, phone numbers and number
    labels ("No. 2019") all mean the digits are not a year. A lower-case word
    glued on the left ("in1972") is a typo worth forgiving; a capital or digit
    glued on either side (model numbers, "1970s") is not.
    """
    year = int(m.group("year"))
    if not _EARLIEST_PHOTO_YEAR <= year <= _dt.date.today().year + 1:
        return False
    s, e = m.start("year"), m.end("year")
    before, after = text[max(0, s - 2) : s], text[e : e + 2]
    if before[-1:] in {"$", "\u20ac", "\u00a3", "\u00a5", "+", "#"} or before[-1:].isupper():
        return False
    if len(before) == 2 and before[1] in ".," and before[0].isdigit():
        return False
    if len(after) == 2 and after[0] in ".," and after[1].isdigit():
        return False
    if after[:1].isalpha():
        return False
    if _NUMBER_LABEL.search(text, max(0, s - 16), s):
        return False
    if _UNIT_AFTER.match(text, e):
        return False
    return not any(p_start <= s and e <= p_end for p_start, p_end in _phone_spans(text))


@functools.lru_cache(maxsize=16)
def _phone_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Phone-number spans, cached because every bare year in one caption asks."""
    return tuple(m.span() for m in _PHONE.finditer(text))


def _long_year_after(text: str, m: re.Match[str]) -> bool:
    """Reject "March 2019.5"-style decimals after a month name."""
    after = text[m.end("year") : m.end("year") + 2]
    return not (len(after) == 2 and after[0] in ".," and after[1].isdigit())


#: Date forms, most precise first; a later row never claims text an earlier one took.
DATE_RULES: tuple[DateRule, ...] = (
    DateRule(
        "iso",
        "day",
        _compile(
            r"(?<![\d.\-/])(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)"
            r"(?P<day>\d{1,2})(?![\d])"
        ),
    ),
    # "06.07.2019", "06-07-2019", "06/07/2019": day first, as Europe writes it ...
    DateRule(
        "day_month_year_digits",
        "day",
        _compile(
            r"(?<![\d.\-/])(?P<day>\d{1,2})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)"
            r"(?P<year>\d{4})(?![\d])"
        ),
    ),
    # ... and "10/25/2019" month first when the day-first reading cannot exist.
    DateRule(
        "month_day_year_digits",
        "day",
        _compile(r"(?<![\d.\-/])(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})(?![\d])"),
    ),
    DateRule(
        "cjk_day",
        "day",
        _compile(
            r"(?<!\d)(?P<year>\d{4})\s*\u5e74\s*(?P<month>\d{1,2})\s*\u6708\s*"
            r"(?P<day>\d{1,2})\s*[\u65e5\u53f7]"
        ),
    ),
    DateRule("month_day_year", "day", _compile(_MONTH + r"\s*" + _DAY + r"\s*,?\s*" + _YEAR)),
    DateRule(
        "day_month_year",
        "day",
        # "6 July 2019", "6. Juli 2019", "1er mai 2023", "12 de mayo de 2023"
        _compile(_DAY + r"\s*(?:of\s+|de\s+)?" + _MONTH + r"\s*,?\s*(?:de\s+|del\s+)?" + _YEAR),
    ),
    DateRule(
        "cjk_month",
        "month",
        _compile(r"(?<!\d)(?P<year>\d{4})\s*\u5e74\s*(?P<month>\d{1,2})\s*\u6708"),
    ),
    DateRule(
        "month_year",
        "month",
        _compile(_MONTH + r"\s*,?\s*(?:of\s+|de\s+|del\s+)?" + _YEAR),
        _long_year_after,
    ),
    DateRule("cjk_year", "year", _compile(r"(?<!\d)(?P<year>\d{4})\s*\u5e74")),
    DateRule("year", "year", _compile(r"(?<!\d)" + _YEAR), _lone_year_ok),
)


# ------------------------------------------------------------------------ dates


def _date_value(m: re.Match[str], precision: Precision) -> str | None:
    """The ISO value of a match, or None when the calendar says it cannot exist."""
    groups = m.groupdict()
    try:
        year = int(m.group("year"))
        if precision == "year":
            return f"{year:04d}"
        month_text = groups["month"]
        if month_text.isdigit():
            month = int(month_text)
        else:
            word = month_text.rstrip(".")
            if word.islower() and word in _AMBIGUOUS_MONTHS:
                return None
            month = _MONTH_NUMBERS[word.casefold()]
        day = int(groups["day"]) if precision == "day" else 1
        value = _dt.date(year, month, day)
    except (ValueError, KeyError):
        return None
    if year < 1000:
        return None
    return value.isoformat() if precision == "day" else value.isoformat()[:7]


def find_dates(text: str | None, rules: Iterable[DateRule] = DATE_RULES) -> tuple[DateMention, ...]:
    """All date mentions in reading order; text claimed by a more precise rule is not reused."""
    if not text:
        return ()
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for rule in rules:
        for m in rule.pattern.finditer(text):
            start, end = m.start(), m.end()
            if any(start < e and s < end for s, e in taken):
                continue
            if rule.guard is not None and not rule.guard(text, m):
                continue
            value = _date_value(m, rule.precision)
            if value is None:
                continue
            taken.append((start, end))
            found.append(DateMention(m.group(0), start, end, value, rule.precision))
    return tuple(sorted(found, key=lambda d: d.start))


# ----------------------------------------------------------------- archive/credit


@dataclass
class _Claim:
    kind: Literal["archive", "credit"]
    form: str
    start: int
    end: int
    value: str
    inner_archive: bool = False


_PARTICLES = frozenset(
    [
        "de",
        "da",
        "di",
        "del",
        "della",
        "der",
        "den",
        "van",
        "von",
        "la",
        "le",
        "du",
        "dos",
        "das",
        "do",
        "y",
        "e",
        "al",
        "el",
        "bin",
        "ibn",
        "ben",
        "abu",
        "and",
        "for",
        "of",
        "the",
        "via",
        "with",
        "at",
        "und",
        "et",
        "ter",
        "ten",
        "zu",
        "on",
        "by",
        "in",
        "to",
        "pour",
        "f\u00fcr",
        "para",
        "per",
        "voor",
        "f\u00f6r",
    ]
)
_ABBREVIATIONS = frozenset(
    ["st", "jr", "sr", "dr", "mr", "mrs", "ms", "co", "inc", "ltd", "corp", "bros", "mt", "ft"]
)
_SENTENCE_END = re.compile(r"([^\W_]*)([.!?\u3002\uff01\uff1f])(?=\s)")


#: Intro words left at the front of a credit ("Credit: Credit Jane Roe", "Foto: © X").
_LEFTOVER_INTRO = re.compile(
    r"^(?:(?!"
    + _AGENCY
    + r")(?:"
    + _ANY_INTRO
    + r")\s*(?::|\.{2,}|\u2026)\s*|(?:credits?|\u00a9|\(c\))(?:\s+|(?<=\u00a9)|(?<=\))))+",
    _FLAGS,
)
_ONLY_INTRO = re.compile(r"(?:" + _ANY_INTRO + r"|" + _COPYRIGHT + r")\s*\.?", _FLAGS)


def _clean_credit(text: str) -> str:
    text = text.strip().strip(_DASHES + ",;:").strip()
    rest = _LEFTOVER_INTRO.sub("", text, count=1)
    return rest if any(ch.isalnum() for ch in rest) else text


def _looks_like_credit(credit: str, check: NameCheck) -> bool:
    """Whether a pattern's ``credit`` group is a plausible party, not a sentence."""
    if not credit or len(credit) > 80 or not any(ch.isalnum() for ch in credit):
        return False
    if _ONLY_INTRO.fullmatch(credit):
        # "© Foto: Getty Images" read as the credit "Foto" before a colon.
        return False
    words = credit.split()
    if len(words) > 10:
        return False
    for m in _SENTENCE_END.finditer(credit):
        word = m.group(1)
        if m.group(2) != "." or (len(word) > 1 and word.casefold() not in _ABBREVIATIONS):
            return False
    if check == "any":
        return True
    first = words[0]
    known = _KNOWN_AGENCY.match(credit)
    if first[0].islower() and first.split("-")[0].casefold() not in _PARTICLES and not known:
        return False
    if check == "name":
        return True
    for word in re.split(r"[\s/]+", _KNOWN_AGENCY.sub(" ", credit)):
        letters = word.lstrip("\"'(\u201c\u2018\u00ab")
        if not letters or not letters[0].islower():
            continue
        stem = letters.rstrip(".,")
        if stem.split("-")[0].casefold() not in _PARTICLES:
            return False
    return True


def _is_blank_or_glue(ch: str) -> bool:
    return ch.isspace() or ch in _GLUE


def _claim_notes(raw: str, rules: Sequence[NoteRule]) -> list[_Claim]:
    """Walk the rule table: bracketed forms anywhere, then leading, then trailing notes."""
    claims: list[_Claim] = []

    def free(start: int, end: int) -> bool:
        return all(end <= c.start or start >= c.end for c in claims)

    # A bracketed credit inside the text ("... (Photo by X/AFP) more text") gives way
    # to a credit that opens or closes the caption: that one is the publisher's line.
    provisional: list[_Claim] = []

    def provisional_ids() -> set[int]:
        return {id(c) for c in provisional}

    def has_credit() -> bool:
        return any(c.kind == "credit" and id(c) not in provisional_ids() for c in claims) or (
            not phase_leading_or_trailing and bool(provisional)
        )

    def accept(rule: NoteRule, m: re.Match[str]) -> _Claim | None:
        if not free(m.start(), m.end()):
            return None
        if rule.kind == "archive":
            return _Claim("archive", rule.name, m.start(), m.end(), m.group(0).strip())
        if has_credit():
            return None
        credit = _clean_credit(m.group("credit"))
        if not _looks_like_credit(credit, rule.check):
            return None
        inner = "archive" in rule.pattern.groupindex and m.group("archive") is not None
        # Leading blanks that a boundary swallowed must not win a tie on position.
        start = m.start()
        while start < m.end() and raw[start].isspace():
            start += 1
        return _Claim("credit", rule.name, start, m.end(), credit, inner)

    phase_leading_or_trailing = False
    for rule in rules:
        if rule.where != "anywhere":
            continue
        for m in rule.pattern.finditer(raw):
            closing = rule.kind == "credit" and _only_glue(raw[m.end() :])
            if closing and provisional:
                # "(Photo by X / AFP) (Photo by X/AFP via Getty Images)": the bracket that
                # closes the caption beats the one inside it.
                nested = list(provisional)
                claims[:] = [c for c in claims if all(c is not p for p in nested)]
                provisional.clear()
                claim = accept(rule, m)
                if claim is None:
                    claims.extend(nested)
                    provisional.extend(nested)
                    continue
            else:
                claim = accept(rule, m)
            if claim is not None:
                claims.append(claim)
                if claim.kind == "credit" and not closing:
                    provisional.append(claim)
    phase_leading_or_trailing = True

    def covering(pos: int) -> _Claim | None:
        return next((c for c in claims if c.start <= pos < c.end), None)

    head = 0
    while True:
        while head < len(raw):
            inside = covering(head)
            if inside is not None:
                head = inside.end
            elif _is_blank_or_glue(raw[head]):
                head += 1
            else:
                break
        best: _Claim | None = None
        for rule in rules:
            if rule.where != "leading" or (rule.kind == "credit" and has_credit()):
                continue
            lead = rule.pattern.match(raw, head)
            claim = accept(rule, lead) if lead else None
            if claim is not None and (best is None or claim.end > best.end):
                best = claim
        if best is None:
            break
        claims.append(best)
        head = best.end

    tail = len(raw)
    while True:
        while tail > head:
            inside = covering(tail - 1)
            if inside is not None:
                tail = inside.start
            elif _is_blank_or_glue(raw[tail - 1]) or raw[tail - 1] in ".;,":
                tail -= 1
            else:
                break
        if tail <= head:
            break
        best = None
        for rule in rules:
            if rule.where != "trailing" or (rule.kind == "credit" and has_credit()):
                continue
            pos = head
            while pos < tail:
                trail = rule.pattern.search(raw, pos, tail)
                if trail is None:
                    break
                claim = accept(rule, trail)
                if claim is not None:
                    if best is None or claim.start < best.start:
                        best = claim
                    break
                pos = trail.start() + 1
        if best is None:
            break
        claims.append(best)
        tail = best.start
    dropped = provisional_ids()
    if any(c.kind == "credit" and id(c) not in dropped for c in claims):
        claims = [c for c in claims if id(c) not in dropped]
    return sorted(claims, key=lambda c: c.start)


def _only_glue(text: str) -> bool:
    return all(_is_blank_or_glue(ch) or ch in ".;," for ch in text)


def _settle(raw: str, claims: list[_Claim]) -> list[str]:
    """Give separators next to a note to the note and return the description pieces.

    Each claim is first trimmed to non-space text. A gap between notes that holds
    no letter or digit (a stray dash, a full stop after a bracketed credit) joins
    the note before it, or the one after it at the start of the caption. Other
    gaps lose their glue punctuation on the side that touches a note. Claims only
    ever grow over gap characters, so nothing is dropped.
    """
    for c in claims:
        while c.start < c.end and raw[c.start].isspace():
            c.start += 1
        while c.end > c.start and raw[c.end - 1].isspace():
            c.end -= 1
    pieces: list[str] = []
    for i in range(len(claims) + 1):
        prev = claims[i - 1] if i > 0 else None
        nxt = claims[i] if i < len(claims) else None
        lo = prev.end if prev else 0
        hi = nxt.start if nxt else len(raw)
        gap = raw[lo:hi]
        if not gap.strip():
            continue
        if not any(ch.isalnum() for ch in gap) and (prev or nxt):
            first = lo + len(gap) - len(gap.lstrip())
            last = hi - (len(gap) - len(gap.rstrip()))
            if prev:
                prev.end = last
            elif nxt:
                nxt.start = first
            continue
        if prev:
            j = lo
            while j < hi and _is_blank_or_glue(raw[j]):
                j += 1
            k = j
            while k > lo and raw[k - 1].isspace():
                k -= 1
            prev.end = max(prev.end, k)
            lo = j
        if nxt:
            j = hi
            while j > lo and _is_blank_or_glue(raw[j - 1]):
                j -= 1
            k = j
            while k < hi and raw[k].isspace():
                k += 1
            nxt.start = min(nxt.start, k)
            hi = j
        piece = raw[lo:hi].strip()
        if piece:
            pieces.append(piece)
    return pieces


def parse_caption(text: str | None, rules: Sequence[NoteRule] = NOTE_RULES) -> CaptionNotes:
    """Take a caption apart into archive note, credit, dates and description.

    Never raises and never drops text: unknown forms simply stay in the
    description, so a caption that is only alt text comes back unchanged.
    """
    raw = "" if text is None else str(text)
    claims = _claim_notes(raw, rules)
    pieces = _settle(raw, claims)
    dates = find_dates(raw)
    credit = next((c for c in claims if c.kind == "credit"), None)
    archive_claim = next((c for c in claims if c.kind == "archive"), None)
    spans = [Span(c.kind, c.form, c.start, c.end, raw[c.start : c.end]) for c in claims]
    spans += [Span("date", "date_" + d.precision, d.start, d.end, d.text) for d in dates]
    spans.sort(key=lambda s: (s.start, s.kind != "date", s.end))
    return CaptionNotes(
        raw=raw,
        archive=archive_claim is not None or (credit is not None and credit.inner_archive),
        archive_prefix=archive_claim.value if archive_claim else None,
        credit=credit.value if credit else None,
        credit_form=credit.form if credit else None,
        dates=dates,
        description=" ".join(pieces),
        spans=tuple(spans),
    )


# ------------------------------------------------------------------ comparison

_CREDIT_INTRO = re.compile(
    r"^\s*(?:photo\s*credits?\s*(?:to\b|should\s+read\b)|(?:photos?|photographs?|pictures?"
    r"|images?)\s+(?:by|courtesy(?:\s+of)?)\b|courtesy(?:\s+of)?\b"
    r"|(?:foto(?:graf\u00eda|grafia)?|photo|bild)s?\s+(?:di|de|von|door|av|af|par)\b|images?\b|"
    + _COPYRIGHT
    + r"|(?!"
    + _AGENCY
    + r")"
    + _ANY_INTRO
    + r"(?:\s*[/&]\s*"
    + _ANY_INTRO
    + r")*)\s*(?::|\uff1a|\.{2,}|\u2026)?\s*",
    _FLAGS,
)
_CREDIT_FILE = re.compile(
    r"\s*[,/]\s*(?:file(?:\s+photo)?|archiv(?:e|es|o|io|bild|foto)?|arquivo)\s*$", _FLAGS
)
#: Separators between the parties of one credit: "Jane Roe/AFP", "Jane Roe, AFP",
#: "AFP via Getty Images", "Jane Roe - AFP", "Jane Roe\u2014Getty Images", "dpa | Jane Roe".
_CREDIT_PARTS = re.compile(
    r"\s*(?:/|\||;|,?\s+via\s+|\s[" + re.escape(_DASHES) + r"]\s|[\u2013\u2014]|,)\s*", _FLAGS
)
#: One party printed under several names.
_CREDIT_ALIASES = {
    "associatedpress": "ap",
    "theassociatedpress": "ap",
    "agencefrancepresse": "afp",
    "getty": "gettyimages",
    "reutersphoto": "reuters",
    "picturealliancedpa": "dpa",
}
_PHOTO_TOKEN = re.compile(r"\b(?:photo|foto)s?\b", _FLAGS)


def stated_credit(text: str | None) -> str | None:
    """The party of a credit stated apart from the caption (a page's credit element, an
    export's credit field), without the credit words a site put around it.

    Real pages mark up "(Credit: Jane Roe/CNET)", "Crédits photo : Jean Roe/Le Figaro",
    "PHotograph: X/Getty Images" or a whole caption ending in "(Photo: Jane Roe)" as the
    credit; reports and the photo's own credit want the party, as a caption's credit
    gives it. Only a credit introduced by such a word is taken out of the text: "Khin Win
    (Shwe Inn Thar)" is all party, which the caption rules for bare names would cut short.
    """
    if not text:
        return text
    notes = parse_caption(text)
    if notes.credit and notes.credit_form in _INTRO_FORMS:
        return notes.credit
    return text


def normalize_credit(credit: str | None) -> str:
    """A comparison key under which the same credit published differently matches.

    Case, accents, brackets, wrapper words ("Photo by", "Courtesy of", "©",
    "Foto:", "Crédits photo :"), the word "Photo", archive suffixes, punctuation and
    spacing are ignored; the parties (split at "/", ",", "|", " via ", spaced dashes)
    are sorted, and a few agencies' other names ("The Associated Press", "Agence
    France-Presse", "Getty") are folded into one, so "(AP Photo/Evan Vucci)", "AP
    Photo / Evan Vucci", "Evan Vucci, The Associated Press" and "Evan Vucci/AP"
    share one key. Not meant for display.
    """
    if not credit:
        return ""
    text = unicodedata.normalize("NFKC", credit).strip()
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(_DASHES + ".,;:").strip()
        if text[:1] in "([" and text[-1:] in ")]":
            text = text[1:-1]
        text = _CREDIT_INTRO.sub("", text, count=1)
        text = _CREDIT_FILE.sub("", text)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch)
    )
    parts = set()
    for part in _CREDIT_PARTS.split(text):
        key = "".join(ch for ch in _PHOTO_TOKEN.sub(" ", part) if ch.isalnum())
        if key:
            parts.add(_CREDIT_ALIASES.get(key, key))
    return "/".join(sorted(parts))


def agencies_in(credit: str | None) -> list[str]:
    """The picture agencies and wires a credit names ("Jane Roe/AP" → ["AP"]), in order."""
    if not credit:
        return []
    return [m.group(0) for m in re.finditer(_AGENCY, credit, _FLAGS)]
