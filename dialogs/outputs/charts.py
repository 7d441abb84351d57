"""Charts for the digest: the compliance trend with its target line, and caseloads by band.

Drawn with Pillow (already used for the icons and image checks): a weekly run draws two charts
for every team, and matplotlib's text layout took about 0.1 s a chart; these take a few ms. Each
chart carries alt text for screen readers and the plot area in pixels, so a test can check that
the drawn values came from the data.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from PIL import Image, ImageDraw, ImageFont

from dialogs.i18n import _, language
from dialogs.outputs.pdf_text import REGULAR

TREND_COLOUR = "#1d70b8"  # GOV.UK blue
TARGET_COLOUR = "#d4351c"
BAR_COLOUR = "#00703c"
INK = "#0b0c0c"
GRID = "#dddddd"
SCALE = 2  # the trend is drawn at twice the size, then reduced: smooth lines and dots
_BASE = ("#ffffff", INK, GRID, TREND_COLOUR, TARGET_COLOUR, BAR_COLOUR)
_BLENDS = 8  # steps between each pair of colours: the anti-aliased edges
_APART = 12  # no two palette entries closer than this in any channel


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    alt: str
    plot_box: tuple[float, float, float, float]  # left, top, right, bottom in image pixels
    y_max: float


@cache
def _font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # The product's own DejaVu Sans (issue 23 item 4): Pillow's default font cannot draw the
    # "î" of "Tîm", nor Ł, Ż or ŵ in team names.
    return ImageFont.truetype(str(REGULAR), size=pixels)


@cache
def _palette() -> Image.Image:
    """The charts' colours and the blends between each pair (the anti-aliased edges and text):
    mapping each pixel to its nearest entry is a quarter of the time of building a palette per
    chart, and looks the same."""
    rgb = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in _BASE]
    entries = list(rgb)

    def apart(one: tuple[int, ...], other: tuple[int, ...]) -> int:
        return max(abs(x - y) for x, y in zip(one, other, strict=True))

    for n, a in enumerate(rgb):
        for b in rgb[n + 1 :]:
            for step in range(1, _BLENDS):
                blend = tuple(
                    round(x + (y - x) * step / _BLENDS) for x, y in zip(a, b, strict=True)
                )
                # Pillow matches pixels to entries at reduced precision: a blend this close to
                # another entry would take its pixels (white came out as 251, 251, 251).
                if all(apart(blend, e) >= _APART for e in entries):
                    entries.append(blend)
    image = Image.new("P", (1, 1))
    image.putpalette([v for entry in entries for v in entry])
    return image


class _Canvas:
    """A white image with a plot box; values are mapped into the box, pixels given at 1x and
    drawn at `scale` (2: reduced at the end for smooth diagonals; 1 where every line is
    straight). `base`: start from a copy of an image drawn before (the parts charts share)."""

    def __init__(
        self,
        width: int,
        height: int,
        box: tuple[int, int, int, int],
        y_max: float,
        scale: int = SCALE,
        base: Image.Image | None = None,
    ):
        self.width, self.height, self.box, self.y_max = width, height, box, y_max
        self.scale = scale
        size = (width * scale, height * scale)
        self.image = base.copy() if base is not None else Image.new("RGB", size, "white")
        self.draw = ImageDraw.Draw(self.image)

    def y(self, value: float) -> float:
        _, top, _, bottom = self.box
        return bottom - (bottom - top) * value / self.y_max

    def text(self, xy: tuple[float, float], text: str, size: int, anchor: str) -> None:
        x, y = xy
        k = self.scale
        self.draw.text((x * k, y * k), text, fill=INK, font=_font(size * k), anchor=anchor)

    def line(self, points: Sequence[tuple[float, float]], colour: str, width: float) -> None:
        k = self.scale
        scaled = [(x * k, y * k) for x, y in points]
        self.draw.line(scaled, fill=colour, width=round(width * k), joint="curve")

    def dashed(self, y: float, colour: str, width: float, dash: int = 8, gap: int = 5) -> None:
        left, _, right, _ = self.box
        x = float(left)
        while x < right:
            self.line([(x, y), (min(x + dash, right), y)], colour, width)
            x += dash + gap

    def dot(self, x: float, y: float, radius: float, colour: str) -> None:
        k = self.scale
        r = radius * k
        self.draw.ellipse((x * k - r, y * k - r, x * k + r, y * k + r), fill=colour)

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
        k = self.scale
        self.draw.rectangle((x0 * k, y0 * k, x1 * k, y1 * k), fill=colour)

    def axes(self, ticks: Sequence[float], label: str, title: str | None) -> None:
        left, top, right, bottom = self.box
        for tick in ticks:
            y = self.y(tick)
            self.line([(left, y), (right, y)], GRID, 1)
            self.text((left - 6, y), f"{tick:g}", 11, "rm")
        self.line([(left, top), (left, bottom), (right, bottom)], INK, 1)
        if title is not None:
            self.title(title)
        # The axis label, turned to read upwards beside the ticks.
        k = self.scale
        font = _font(12 * k)
        size = self.draw.textbbox((0, 0), label, font=font)
        strip = Image.new("RGB", (round(size[2]) + 4, round(size[3]) + 4), "white")
        ImageDraw.Draw(strip).text((2, 2), label, fill=INK, font=font)
        turned = strip.rotate(90, expand=True)
        x = round(14 * k - turned.width / 2)
        y = round((top + bottom) / 2 * k - turned.height / 2)
        self.image.paste(turned, (x, y))

    def title(self, title: str) -> None:
        left, top, right, _ = self.box
        self.text(((left + right) / 2, top / 2), title, 15, "mm")

    def restore(self, base: Image.Image, x0: float, y0: float, x1: float, y1: float) -> None:
        """Put back a region of the base image (what is drawn later must stay on top)."""
        k = self.scale
        region = (round(x0 * k), round(y0 * k), round(x1 * k), round(y1 * k))
        self.image.paste(base.crop(region), region[:2])

    def png(self) -> bytes:
        # A box filter: exact for a whole factor, and fast.
        final = self.image.reduce(self.scale) if self.scale > 1 else self.image
        # A few colours and their anti-aliased edges: the fixed palette looks the same, and
        # the file is a third the size and encodes in a tenth of the time (two charts for
        # every team every Monday, carried in the outbox).
        palette = final.quantize(palette=_palette(), dither=Image.Dither.NONE)
        buffer = io.BytesIO()
        palette.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


_TREND_SIZE, _TREND_BOX = (800, 400), (80, 40, 776, 350)


def _legend_box() -> tuple[float, float, float, float]:
    left, _, _, bottom = _TREND_BOX
    legend_y = bottom - 44
    return left + 8, legend_y - 6, left + 190, legend_y + 40


@lru_cache(maxsize=32)
def _trend_base(labels: tuple[str, ...], target: Decimal, words: str) -> Image.Image:
    """What every team's trend over the same months against the same target shares: the axes,
    the month labels, the target line and the legend. Drawn once; each chart starts from a
    copy (a Monday draws this chart for every team of a council). `words`: the language its
    words are in (issue 28: the Welsh card's chart is in Welsh), part of what is kept."""
    canvas = _Canvas(*_TREND_SIZE, _TREND_BOX, 100.0)
    left, _unused, right, bottom = canvas.box
    canvas.axes(range(0, 101, 20), _("% of staff supervised"), None)
    slot = (right - left) / max(len(labels), 1)
    canvas.dashed(canvas.y(float(target)), TARGET_COLOUR, 1.5)
    for index, label in enumerate(labels):
        canvas.text((left + slot * (index + 0.5), bottom + 14), label, 10, "mm")
    # Legend, bottom left inside the plot, as the eye reads the line against the target.
    x0, y0, x1, y1 = _legend_box()
    legend_y = y0 + 6
    canvas.rect(x0, y0, x1, y1, "white")
    canvas.line([(left + 16, legend_y + 6), (left + 44, legend_y + 6)], TREND_COLOUR, 2.5)
    canvas.dot(left + 30, legend_y + 6, 4, TREND_COLOUR)
    canvas.text((left + 52, legend_y + 6), _("Supervised on time"), 11, "lm")
    canvas.line([(left + 16, legend_y + 26), (left + 24, legend_y + 26)], TARGET_COLOUR, 1.5)
    canvas.line([(left + 30, legend_y + 26), (left + 38, legend_y + 26)], TARGET_COLOUR, 1.5)
    target_words = _("Target {percent}%").format(percent=f"{target:.0f}")
    canvas.text((left + 52, legend_y + 26), target_words, 11, "lm")
    return canvas.image


def compliance_trend(
    points: Sequence[tuple[str, Decimal | None]], target: Decimal, title: str
) -> Chart:
    base = _trend_base(tuple(label for label, _value in points), target, language())
    canvas = _Canvas(*_TREND_SIZE, _TREND_BOX, 100.0, base=base)
    left, _top, right, _bottom = canvas.box
    canvas.title(title)
    slot = (right - left) / max(len(points), 1)
    run: list[tuple[float, float]] = []
    for index, (_label, value) in enumerate(points):
        x = left + slot * (index + 0.5)
        if value is None:  # no figure that month: the line breaks rather than guess
            if len(run) > 1:
                canvas.line(run, TREND_COLOUR, 2.5)
            run = []
            continue
        run.append((x, canvas.y(float(value))))
    if len(run) > 1:
        canvas.line(run, TREND_COLOUR, 2.5)
    for index, (_label, value) in enumerate(points):
        if value is not None:
            canvas.dot(left + slot * (index + 0.5), canvas.y(float(value)), 4, TREND_COLOUR)
    canvas.restore(base, *_legend_box())  # the legend stays above the line
    known = [(label, v) for label, v in points if v is not None]
    at = _("{percent}% in {period}")
    latest = (
        at.format(percent=f"{known[-1][1]:.0f}", period=known[-1][0])
        if known
        else _("no figures yet")
    )
    low = min(known, key=lambda p: p[1]) if known else None
    alt = _(
        "Line chart of supervision compliance over {periods} periods against a target of "
        "{target}%: latest {latest}"
    ).format(periods=len(points), target=f"{target:.0f}", latest=latest)
    if low:
        lowest = at.format(percent=f"{low[1]:.0f}", period=low[0])
        alt += _("; lowest {lowest}").format(lowest=lowest)
    alt += "."
    return Chart(canvas.png(), alt, tuple(map(float, canvas.box)), 100.0)  # type: ignore[arg-type]


def caseload_bands(counts: Sequence[tuple[str, int]], title: str) -> Chart:
    values = [n for _band, n in counts]
    y_max = float(max([*values, 1]) + 1)
    canvas = _Canvas(600, 400, (60, 40, 584, 350), y_max, scale=1)  # bars: straight edges
    left, _top, right, bottom = canvas.box
    step = max(1, round(y_max / 6))
    canvas.axes(range(0, int(y_max) + 1, step), _("Staff"), title)
    slot = (right - left) / max(len(counts), 1)
    for index, (label, value) in enumerate(counts):
        middle = left + slot * (index + 0.5)
        half = slot * 0.3
        if value:
            canvas.rect(middle - half, canvas.y(value), middle + half, bottom, BAR_COLOUR)
        canvas.text((middle, canvas.y(value) - 10), str(value), 11, "mm")
        canvas.text((middle, bottom + 14), label, 11, "mm")
    described = ", ".join(f"{n} {label}" for label, n in counts)
    return Chart(
        canvas.png(),
        _("Bar chart of staff by caseload band: {bands}.").format(bands=described),
        tuple(map(float, canvas.box)),  # type: ignore[arg-type]
        y_max,
    )
