"""Charts for the digest: the compliance trend with its target line, and caseloads by band.

PNG via matplotlib's Agg canvas (no display needed), with alt text for screen readers and the
plot area in pixels so a test can check the drawn values came from the data.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

TREND_COLOUR = "#1d70b8"  # GOV.UK blue
TARGET_COLOUR = "#d4351c"
BAR_COLOUR = "#00703c"


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    alt: str
    plot_box: tuple[float, float, float, float]  # left, top, right, bottom in image pixels
    y_max: float


def _figure(width: float, height: float, bottom: float) -> tuple[Any, Any]:
    """A figure on the Agg canvas directly (not pyplot's global figure manager), with fixed
    margins: measuring a layout with tight_layout drew every chart twice."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=bottom)
    return figure, figure.add_subplot()


def _render(figure: Any, axes: Any) -> tuple[bytes, tuple[float, float, float, float]]:
    buffer = io.BytesIO()
    # Fast zlib: the charts are flat colours, and a weekly run draws two for every team.
    figure.savefig(buffer, format="png", dpi=100, pil_kwargs={"compress_level": 1})
    height = figure.get_size_inches()[1] * 100
    box = axes.get_window_extent()
    # Matplotlib measures from the bottom; images from the top.
    return buffer.getvalue(), (box.x0, height - box.y1, box.x1, height - box.y0)


def compliance_trend(
    points: Sequence[tuple[str, Decimal | None]], target: Decimal, title: str
) -> Chart:
    labels = [label for label, _ in points]
    values = [float(v) if v is not None else float("nan") for _, v in points]
    figure, axes = _figure(8, 4, bottom=0.2)
    axes.plot(
        range(len(values)),
        values,
        color=TREND_COLOUR,
        linewidth=2.5,
        marker="o",
        label="Supervised on time",
    )
    axes.axhline(
        float(target),
        color=TARGET_COLOUR,
        linestyle="--",
        linewidth=1.5,
        label=f"Target {target:.0f}%",
    )
    axes.set_ylim(0, 100)
    axes.set_xlim(-0.5, max(len(values) - 0.5, 0.5))
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("% of staff supervised")
    axes.set_title(title)
    axes.legend(loc="lower left")
    png, box = _render(figure, axes)
    known = [(label, v) for label, v in points if v is not None]
    latest = f"{known[-1][1]:.0f}% in {known[-1][0]}" if known else "no figures yet"
    low = min(known, key=lambda p: p[1]) if known else None
    alt = (
        f"Line chart of supervision compliance over {len(points)} periods against a target of "
        f"{target:.0f}%: latest {latest}"
        + (f"; lowest {low[1]:.0f}% in {low[0]}" if low else "")
        + "."
    )
    return Chart(png, alt, box, 100.0)


def caseload_bands(counts: Sequence[tuple[str, int]], title: str) -> Chart:
    labels = [label for label, _ in counts]
    values = [n for _, n in counts]
    y_max = float(max([*values, 1]) + 1)
    figure, axes = _figure(6, 4, bottom=0.12)
    axes.bar(range(len(values)), values, color=BAR_COLOUR, width=0.6)
    axes.set_ylim(0, y_max)
    axes.set_xlim(-0.5, len(values) - 0.5)
    axes.set_xticks(range(len(labels)), labels, fontsize=8)
    axes.set_ylabel("Staff")
    axes.set_title(title)
    png, box = _render(figure, axes)
    described = ", ".join(f"{n} {label}" for label, n in counts)
    return Chart(png, f"Bar chart of staff by caseload band: {described}.", box, y_max)
