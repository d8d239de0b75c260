"""Checking uploaded images before anything keeps or draws them.

A PNG or JPEG of a few kilobytes can declare 30000 × 30000 pixels: decoding it takes gigabytes (a
decompression bomb). Pillow reads the size from the header without decoding; anything larger than the
caller allows is refused with a message for people, before the file is stored or drawn."""

from __future__ import annotations

import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image

from workflow_app.core.errors import UserError

# A 50-megapixel phone photo passes; Pillow itself warns from 89 million pixels on.
ATTACHMENT_MAX_PIXELS = 80_000_000


class ImageRefused(UserError):
    """An image that cannot be read, or has more pixels than allowed; ``message`` is for people."""


def too_many_pixels(max_pixels: int):
    return _l("The image has too many pixels: at most %(count)s million (a smaller photo or scan will do).",
              count=f"{max_pixels / 1_000_000:g}")


def check_image(content: bytes, max_pixels: int) -> tuple[int, int]:
    """(width, height) of a readable PNG or JPEG of at most ``max_pixels``, read from its header; the pixels
    are never decoded. Raises ImageRefused otherwise."""
    with warnings.catch_warnings():
        # Pillow warns between its limit and twice it, and raises beyond: both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageRefused(too_many_pixels(max_pixels))
                image.verify()  # chunk checksums and structure, still without decoding
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(too_many_pixels(max_pixels)) from None
        except Exception:  # Pillow raises many kinds for broken files
            raise ImageRefused(_l("The image could not be read; it may be damaged.")) from None
    if not width or not height:
        raise ImageRefused(_l("The image could not be read; it may be damaged."))
    return width, height
