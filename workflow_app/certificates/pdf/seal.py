"""A stand-in red seal for the demo and the tests, drawn with Pillow: a ring, a five-pointed star and the
issuer's name around the upper edge, in the packaged font. Real sites upload a scan of their own seal."""

from __future__ import annotations

import io
import math
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .fonts import DEFAULT_FONT

SEAL_RED = (214, 26, 32)


@lru_cache(maxsize=16)
def demo_seal_png(text: str = "沈丘县总工会", size: int = 600) -> bytes:
    """A PNG (transparent outside the ink) of a round seal reading ``text``; deterministic for a text."""
    scale = 2  # drawn large, then reduced: smooth edges without anti-aliasing tricks
    big = size * scale
    ink = (*SEAL_RED, 255)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = big / 2
    ring = big * 0.035
    outer = big / 2 - ring / 2 - 2
    draw.ellipse([centre - outer, centre - outer, centre + outer, centre + outer], outline=ink, width=round(ring))
    _star(draw, centre, centre, big * 0.19, ink)
    _arc_text(image, text, centre, outer - ring / 2 - big * 0.115, big * 0.2, ink)
    _wear(image, random.Random(text))
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, ink) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.radians(-90 + i * 36)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=ink)


def _arc_text(image: Image.Image, text: str, centre: float, radius: float, glyph: float, ink) -> None:
    """Characters upright towards the rim, spread clockwise over the top of the seal."""
    font = ImageFont.truetype(str(DEFAULT_FONT), round(glyph))
    count = len(text)
    span = min(260.0, 46.0 * max(count - 1, 1)) if count > 1 else 0.0
    box = round(glyph * 1.5)
    for i, ch in enumerate(text):
        angle = -span / 2 + span * i / (count - 1) if count > 1 else 0.0
        tile = Image.new("RGBA", (box, box), (0, 0, 0, 0))
        # Seal script is narrow and heavy: draw with a stroke, then squeeze horizontally.
        ImageDraw.Draw(tile).text((box / 2, box / 2), ch, font=font, fill=ink, anchor="mm",
                                  stroke_width=max(1, round(glyph / 24)), stroke_fill=ink)
        tile = tile.resize((round(box * 0.8), box), Image.Resampling.LANCZOS)
        tile = tile.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True)
        theta = math.radians(angle)
        x = centre + radius * math.sin(theta) - tile.width / 2
        y = centre - radius * math.cos(theta) - tile.height / 2
        image.alpha_composite(tile, (round(x), round(y)))


def _wear(image: Image.Image, rng: random.Random) -> None:
    """Small uneven gaps in the ink, as a real impression has; seeded so a text always gives the same PNG."""
    alpha = image.getchannel("A")
    draw = ImageDraw.Draw(alpha)
    w = image.width
    for _ in range(w // 6):
        x, y, r = rng.uniform(0, w), rng.uniform(0, w), rng.uniform(w * 0.0015, w * 0.005)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=0)
    image.putalpha(alpha.point(lambda v: v * 225 // 255))
