"""QR codes as vector paths: the module matrix comes from zxing-cpp's C++ encoder (a dependency: it ships
wheels for the platforms we run on) and is written as one filled path of merged horizontal runs, in module
units, not one shape per module."""

from __future__ import annotations

import re

import zxingcpp
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of light margin the QR specification asks for around the symbol
_DARK = bytes(1 if v < 128 else 0 for v in range(256))  # zxing-cpp images: 0 is a dark module
_RUN = re.compile(rb"\x01+")


def qr_matrix(data: str, ec_level: str = "M") -> tuple[bytes, ...]:
    """Rows of the QR symbol for ``data``, one byte per module (1 = dark), without the quiet zone."""
    barcode = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    image = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))
    rows, cols = image.shape
    flat = image.tobytes().translate(_DARK)
    return tuple(flat[r * cols:(r + 1) * cols] for r in range(rows))


def qr_path(rows: tuple[bytes, ...]) -> str:
    """PDF path operators for the dark modules, in module units with y growing downwards: one ``re`` per
    horizontal run, one fill for the whole symbol."""
    ops = [f"{m.start()} {r} {m.end() - m.start()} 1 re" for r, row in enumerate(rows) for m in _RUN.finditer(row)]
    ops.append("f")
    return "\n".join(ops)


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float, ec_level: str = "M") -> None:
    """Draw the symbol for ``data`` (medium error correction by default) with its lower-left corner at
    (x, y), ``size`` points wide. The quiet zone lies outside this square: keep it free of ink."""
    rows = qr_matrix(data, ec_level)
    module = size / len(rows)
    canvas.saveState()
    canvas.transform(module, 0, 0, -module, x, y + size)  # module units, from the top-left corner down
    canvas.addLiteral(qr_path(rows))
    canvas.restoreState()
