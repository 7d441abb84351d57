"""Names in UK councils are Welsh, Polish, Irish, Yoruba...: the record PDF and the digest
charts draw every letter with the DejaVu Sans the product ships (issue 23 item 4), on any
machine, with or without system fonts."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont
from pypdf import PdfReader

from dialogs.outputs import pdf_text
from dialogs.outputs.charts import caseload_bands
from dialogs.outputs.record_pdf import RecordDocument, record_pdf
from dialogs.views import RecordView
from policy.packs import builtin_pack

LONDON = ZoneInfo("Europe/London")
NAMES = ("Siân Ŵyn", "Łukasz Żak", "Tîm Gogledd", "Adéyẹmí Ọ̀ṣun", "Siobhán Ó Súilleabháin")
NOTDEF = "\U000f0000"  # a private-use code point no font here draws: its glyph is .notdef


def glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    """The pixels the font draws for `char`."""
    image = Image.new("L", (64, 64))
    ImageDraw.Draw(image).text((8, 8), char, font=font, fill=255)
    return image.tobytes()


def strip(text: str) -> str:
    """The letters without their accents (what a font without them would fall back to)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_the_fonts_ship_with_the_product_and_their_licence() -> None:
    assert pdf_text.REGULAR.parent == Path(pdf_text.__file__).parent / "fonts"
    for path in (pdf_text.REGULAR, pdf_text.BOLD, pdf_text.FONTS / "LICENSE.txt"):
        assert path.is_file(), path
    assert "Bitstream" in (pdf_text.FONTS / "LICENSE.txt").read_text(encoding="utf-8")
    assert pdf_text.fonts() == ("DejaVuSans", "DejaVuSans-Bold")


@pytest.mark.parametrize("name", NAMES)
def test_every_letter_has_a_glyph_in_the_shipped_font(name: str) -> None:
    font = ImageFont.truetype(str(pdf_text.REGULAR), 40)
    missing = glyph(font, NOTDEF)
    for char in unicodedata.normalize("NFC", name):
        if not char.isspace() and not unicodedata.combining(char):
            assert glyph(font, char) != missing, f"{char!r} in {name!r}"
    assert pdf_text.printable(name) == name  # nothing replaced by words


def _record_pdf(supervisor: str, supervisee: str, text: str) -> bytes:
    pack = builtin_pack("powys")  # a Welsh council
    template = pack.templates[0]
    record = RecordView(
        id=1,
        session_id=1,
        template_id=template.id,
        sections={s.id: text for s in template.sections},
        case_references=(),
        decisions=(),
        actions=(),
        next_meeting_at=None,
        written_by_id=1,
        written_at=datetime(2026, 12, 3, 15, tzinfo=LONDON),
        supervisor_signed_at=None,
        supervisee_signed_at=None,
    )
    document = RecordDocument(
        council=pack.council,
        title=pack.terms.supervision_record.value,
        supervisor=supervisor,
        supervisee=supervisee,
        held_at=datetime(2026, 12, 3, 9, 30, tzinfo=LONDON),
        section_titles=[(s.id, s.title) for s in template.sections],
        owners={},
        zone=LONDON,
    )
    return record_pdf(record, document)


def _render(pdf: bytes, tmp_path: Path, name: str) -> Image.Image:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None and not os.environ.get("CI"):
        # A fresh machine with only Python (README's quick start): said, not failed. CI
        # (.ci/run, CI=true) installs poppler-utils, and there its absence fails the test.
        pytest.skip("renders with pdftoppm: apt-get install poppler-utils (.ci/run does)")
    assert pdftoppm, "pdftoppm is needed (Debian's poppler-utils; .ci/run installs it)"
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", "60", "-f", "1", "-l", "1", "-png", str(source), str(tmp_path / name)],
        check=True,
        capture_output=True,
    )
    [page] = sorted(tmp_path.glob(f"{name}*.png"))
    return Image.open(page).convert("L")


def test_a_record_pdf_prints_welsh_and_polish_names_letter_for_letter(tmp_path: Path) -> None:
    supervisor, supervisee = "Siân Ŵyn", "Łukasz Żak"
    notes = "Discussed with Adéyẹmí Ọ̀ṣun and Siobhán Ó Súilleabháin; Tîm Gogledd."
    pdf = _record_pdf(supervisor, supervisee, notes)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(reader.pages[0].extract_text().split())
    for name in (supervisor, supervisee):
        assert name in text, text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [f.get_object() for f in fonts.values()]
    names = {str(f["/BaseFont"]).split("+")[-1] for f in embedded}
    assert names <= {"DejaVuSans", "DejaVuSans-Bold"}, names  # no base-14 WinAnsi font
    for font in embedded:
        subtype = font["/Subtype"]
        assert subtype in {"/TrueType", "/Type0"}, subtype
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # embedded, so any reader draws the same letters
    # Rendered by a real PDF reader: the accented page differs from the same page with the
    # accents taken off, so the letters were drawn with their accents (a font without them
    # prints the bare letter or a box).
    accented = _render(pdf, tmp_path, "accented")
    bare = _render(
        _record_pdf(strip(supervisor), strip(supervisee), strip(notes)), tmp_path, "bare"
    )
    assert accented.size == bare.size
    assert ImageChops.difference(accented, bare).getbbox() is not None


def test_chart_titles_draw_every_letter() -> None:
    counts = [("0-9", 2), ("10-14", 5), ("15+", 1)]

    def drawn(title: str) -> bytes:
        return caseload_bands(counts, title).png

    missing = drawn(f"Tîm {NOTDEF}")
    for char in "îŁŻŵâẹọṣ":
        assert drawn(f"Tîm {char}") != missing, char


def test_the_subject_access_pdf_prints_the_name_too() -> None:
    from dialogs.outputs.person_pdf import person_pdf

    pdf = person_pdf({"person": {"name": "Łukasz Żak", "email": "l@x.test"}}, "Cyngor Sir Powys")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert "Łukasz Żak" in page.extract_text()
    fonts = {
        str(f.get_object()["/BaseFont"]).split("+")[-1]
        for f in page["/Resources"]["/Font"].values()
    }
    assert fonts <= {"DejaVuSans", "DejaVuSans-Bold"}, fonts
