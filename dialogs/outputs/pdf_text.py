"""Text a PDF can draw: a Unicode font where the machine has one, and words for what it lacks.

reportlab's built-in Helvetica covers Latin-1 only: Welsh ŵ and ŷ and every emoji printed as
empty boxes (issue 21 item 9). DejaVu Sans (Debian's fonts-dejavu-core) covers Welsh; where it
is missing, Vera, which ships with reportlab, is used. Characters the font has no glyph for are
written as their letter without accents, or as their Unicode name in brackets ("[thumbs up
sign]"), so the printed record keeps what was typed.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

_SYSTEM = Path("/usr/share/fonts/truetype/dejavu")
_CANDIDATES = (
    ("DejaVuSans", _SYSTEM / "DejaVuSans.ttf", _SYSTEM / "DejaVuSans-Bold.ttf"),
    (
        "Vera",
        Path(reportlab.__file__).parent / "fonts" / "Vera.ttf",
        Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf",
    ),
)


@cache
def _registered() -> tuple[str, str, frozenset[int]]:
    for name, regular, bold in _CANDIDATES:
        if regular.exists() and bold.exists():
            font = TTFont(name, str(regular))
            pdfmetrics.registerFont(font)
            pdfmetrics.registerFont(TTFont(f"{name}-Bold", str(bold)))
            pdfmetrics.registerFontFamily(name, normal=name, bold=f"{name}-Bold")
            return name, f"{name}-Bold", frozenset(font.face.charToGlyph)
    return "Helvetica", "Helvetica-Bold", frozenset(range(32, 256))


def fonts() -> tuple[str, str]:
    """The regular and bold font names to draw record text with."""
    regular, bold, _ = _registered()
    return regular, bold


def printable(text: str) -> str:
    """`text` with every character the font cannot draw replaced by one it can."""
    covered = _registered()[2]
    if all(ord(c) in covered or c in "\n\t" for c in text):
        return text
    out: list[str] = []
    for char in text:
        if ord(char) in covered or char in "\n\t":
            out.append(char)
            continue
        if unicodedata.category(char) in ("Mn", "Cf") or char == "\ufe0f":
            continue  # combining marks, joiners and emoji presentation selectors
        base = unicodedata.normalize("NFKD", char)[:1]
        if base and base != char and ord(base) in covered:
            out.append(base)
        else:
            out.append(f"[{unicodedata.name(char, 'symbol').lower()}]")
    return "".join(out)
