"""The desk's code replacement list, kept in the catalog (table ``code_replacements``).

The gallery expands codes as they are typed and again when a form is saved
(library.text.codes); the list is edited on the gallery's replacements page
and with ``photodesk replacement``.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from library.db.models import CodeReplacement
from library.errors import InvalidValueError
from library.text.codes import CODE_SHAPE, expand_codes

#: A replacement is a name or a phrase, not a caption.
MAX_TEXT = 200


def check_code(code: str) -> str:
    """A code without its "=", lower case; InvalidValueError when it cannot be typed as one."""
    cleaned = code.strip().lstrip("=").lower()
    if not CODE_SHAPE.fullmatch(cleaned):
        raise InvalidValueError(
            f"code {code.strip()!r}: 1 to 20 letters or digits (typed after “=”, as in =rf)"
        )
    return cleaned


def list_replacements(session: Session) -> dict[str, str]:
    """code → text, in code order."""
    rows = session.execute(
        select(CodeReplacement.code, CodeReplacement.text).order_by(CodeReplacement.code)
    )
    return {code: text for code, text in rows}


def set_replacement(session: Session, code: str, text: str, user: str | None) -> str:
    """Add a code or change its text; returns the code as stored."""
    code = check_code(code)
    text = " ".join(text.split())
    if not text or len(text) > MAX_TEXT:
        raise InvalidValueError(f"={code}: the text must be 1 to {MAX_TEXT} characters")
    if "\x00" in text:
        raise InvalidValueError(f"={code}: the text contains a NUL character")
    row = session.get(CodeReplacement, code, with_for_update=True)
    if row is None:
        session.add(CodeReplacement(code=code, text=text, updated_by=user))
    else:
        row.text = text
        row.updated_by = user
    session.flush()
    return code


def delete_replacement(session: Session, code: str) -> bool:
    """Forget a code; False when there was none."""
    try:
        code = check_code(code)
    except InvalidValueError:
        return False
    result = session.execute(delete(CodeReplacement).where(CodeReplacement.code == code))
    return bool(getattr(result, "rowcount", 0))


def expand(session: Session, text: str) -> str:
    """``text`` with the catalog's codes expanded (the list is read only when a code may be in it)."""
    if "=" not in text:
        return text
    return expand_codes(text, list_replacements(session))
