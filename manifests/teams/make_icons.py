"""Draw the Teams app icons: color.png (192x192, full colour) and outline.png (32x32, white on
transparent), as Teams requires (https://learn.microsoft.com/microsoftteams/platform/concepts/
build-and-test/apps-package#app-icons). Run it after changing the design; the PNGs are committed.

    python manifests/teams/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
ACCENT = (79, 107, 237, 255)  # #4F6BED, the manifest's accentColor
WHITE = (255, 255, 255, 255)
SCALE = 8  # draw large, then downsample: smooth edges without an anti-aliasing library


def _glyph(draw: ImageDraw.ImageDraw, size: int, width: int) -> None:
    """A speech bubble holding a tick: a conversation that keeps supervision on track."""
    pad = size * 0.16
    box = (pad, pad, size - pad, size - pad * 1.55)
    draw.rounded_rectangle(box, radius=size * 0.14, outline=WHITE, width=width)
    tail = [
        (size * 0.30, box[3] - width / 2),
        (size * 0.26, size - pad * 0.75),
        (size * 0.46, box[3] - width / 2),
    ]
    draw.polygon(tail, fill=WHITE)
    tick = [
        (size * 0.33, size * 0.43),
        (size * 0.45, size * 0.55),
        (size * 0.68, size * 0.31),
    ]
    draw.line(tick, fill=WHITE, width=width, joint="curve")


def colour_icon(size: int = 192) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), ACCENT)
    _glyph(ImageDraw.Draw(image), big, width=int(big * 0.06))
    return image.resize((size, size), Image.Resampling.LANCZOS).convert("RGB")


def outline_icon(size: int = 32) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    _glyph(ImageDraw.Draw(image), big, width=int(big * 0.09))
    small = image.resize((size, size), Image.Resampling.LANCZOS)
    # Teams wants pure white on transparent: keep only the alpha of the resampled drawing.
    alpha = small.getchannel("A")
    white = Image.new("RGBA", (size, size), WHITE)
    white.putalpha(alpha)
    return white


def main() -> None:
    colour_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)
    print(f"wrote {HERE / 'color.png'} and {HERE / 'outline.png'}")


if __name__ == "__main__":
    main()
