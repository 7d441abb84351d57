"""Text a PDF can draw: the Unicode font shipped with the product, and words for what it lacks.

reportlab's built-in Helvetica covers Latin-1 only: Welsh ŵ and ŷ and every emoji printed as
empty boxes (issue 21 item 9), and a machine without Debian's fonts-dejavu-core fell back to
Vera, which has no ŵ, Ł or Ż either (issue 23 item 4). DejaVu Sans now ships in
dialogs/outputs/fonts (licence beside it), so every install embeds the same font: Welsh,
Polish, Irish, Yoruba and the rest of Latin Extended, Greek and Cyrillic. Characters it has no
glyph for (emoji) are written as their letter without accents, or as their Unicode name in
brackets ("[thumbs up sign]"), so the printed record keeps what was typed.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
_CANDIDATES = (
    ("DejaVuSans", REGULAR, BOLD),
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
