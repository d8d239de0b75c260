"""CJK fonts for the PDF layer: registered with reportlab once per process, only from allowed folders.

reportlab's font registry is process-global and keyed by face name, so every file (and every face of a
TTC collection) gets a registry name of its own derived from its resolved path; two site fonts that share
a PostScript name can then never silently replace each other.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from workflow_app.core.text import FORBIDDEN

PACKAGED_FONTS = Path(__file__).resolve().parents[2] / "fonts"
DEFAULT_FONT = PACKAGED_FONTS / "UnionSerifSC-Regular.ttf"

# Where site-supplied fonts may live. A font path comes from configuration, never from a request, but an
# allow-list keeps a mistaken setting from reading arbitrary files. WORKFLOW_FONT_DIRS adds folders.
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONT_SUFFIXES = (".ttf", ".ttc")

# Fallback fonts for the rare CJK characters (Extensions B–F) the main fonts lack: WORKFLOW_FALLBACK_FONTS,
# paths separated by os.pathsep, tried in order; unset, Debian's fonts-hanazono HanaMinB when installed;
# empty, none (such characters are then refused at input, as before).
HANAZONO_B = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")

log = logging.getLogger(__name__)


class FontError(ValueError):
    """A configured font cannot be used (not allowed, missing, CFF outlines, embedding restricted)."""


class MissingGlyphs(ValueError):
    """Some characters cannot be printed with the configured fonts; nothing was drawn."""

    def __init__(self, characters: list[str]):
        self.characters = list(characters)
        listing = "、".join(f"「{c}」U+{ord(c):04X}" for c in self.characters)
        super().__init__(f"字体缺少以下字符，无法打印：{listing}")


@dataclass(frozen=True)
class Face:
    """A registered font: the name to draw with and the characters it has."""

    name: str
    path: Path
    index: int
    cmap: dict[int, int]
    packaged: bool

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` neither this font nor a fallback font has (they would draw as blanks;
        whitespace aside), in order, once each. The fallbacks are loaded only when the font lacks one."""
        cmap = self.cmap
        seen: dict[str, None] = {}
        for ch in text:
            if ord(ch) not in cmap and not ch.isspace():
                seen.setdefault(ch, None)
        if seen:
            spare = fallbacks()
            return [ch for ch in seen if not any(ord(ch) in f.cmap for f in spare)]
        return list(seen)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """``text`` split into (font name, piece) runs: each character in this font when it has it, else in
        the first fallback that has it; one no font has stays in this font (checked before drawing)."""
        cmap = self.cmap
        if all(ord(ch) in cmap or ch.isspace() for ch in text):  # the usual case: no fallback is even loaded
            return [(self.name, text)]
        spare = fallbacks()
        out: list[tuple[str, str]] = []
        for ch in text:
            code = ord(ch)
            name = self.name
            if ch.isspace() and out:
                name = out[-1][0]
            elif code not in cmap:
                name = next((f.name for f in spare if code in f.cmap), self.name)
            if out and out[-1][0] == name:
                out[-1] = (name, out[-1][1] + ch)
            else:
                out.append((name, ch))
        return out


_faces: dict[tuple[str, int], Face] = {}
_by_name: dict[str, Face] = {}
_lock = threading.Lock()
_fallbacks: dict[str, list[Face]] = {}  # keyed by the setting's value


def named(name: str) -> Face | None:
    """The registered face drawn as ``name`` (None for a font not registered here, e.g. Helvetica)."""
    return _by_name.get(name)


def fallbacks() -> list[Face]:
    """The configured fallback fonts, registered once per setting value. A file that does not exist is
    left out (its characters are then refused at input, as without a fallback); one that cannot be used
    (outside the allowed folders, CFF outlines) is left out with a warning."""
    setting = os.environ.get("WORKFLOW_FALLBACK_FONTS")
    if setting is None:
        setting = str(HANAZONO_B) if HANAZONO_B.is_file() else ""
    found = _fallbacks.get(setting)
    if found is None:
        found = []
        for spec in filter(None, setting.split(os.pathsep)):
            try:
                if _parse(spec)[0].is_file():
                    found.append(face(spec))
            except FontError as error:
                log.warning("fallback font left out: %s", error)
        _fallbacks[setting] = found
    return found


def allowed_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("WORKFLOW_FONT_DIRS", "").split(os.pathsep) if p]
    return [PACKAGED_FONTS, *SYSTEM_FONT_DIRS, *extra]


def _parse(spec: str | os.PathLike | None) -> tuple[Path, int]:
    if spec is None:
        return DEFAULT_FONT, 0
    text = os.fspath(spec)
    path, _, index = text.partition("#")
    try:
        number = int(index) if index else 0
    except ValueError:
        raise FontError(f"bad font index in {text!r}: use path#0, path#1 …") from None
    return Path(path).expanduser().resolve(), number


def face(spec: str | os.PathLike | None = None) -> Face:
    """The registered face for ``spec`` ("path" or "path#index" for a TTC; None: the packaged font)."""
    path, index = _parse(spec)
    key = (str(path), index)
    found = _faces.get(key)
    if found is not None:
        return found
    with _lock:
        found = _faces.get(key)
        if found is None:
            found = _faces[key] = _register(path, index)
    return found


def _register(path: Path, index: int) -> Face:
    if path.suffix.lower() not in FONT_SUFFIXES:
        raise FontError(f"{path}: only TrueType fonts (.ttf, .ttc) can be embedded")
    if not any(path.is_relative_to(d.resolve()) for d in allowed_dirs()):
        raise FontError(f"{path}: fonts must live in one of {', '.join(map(str, allowed_dirs()))} "
                        "(add a folder with WORKFLOW_FONT_DIRS)")
    if not path.is_file():
        raise FontError(f"{path}: no such font file")
    digest = hashlib.sha1(f"{path}#{index}".encode()).hexdigest()[:8]
    name = f"{path.stem}-{index}-{digest}"
    try:
        font = TTFont(name, str(path), subfontIndex=index)
    except TTFError as error:  # CFF outlines, restricted embedding (fsType), a broken file
        raise FontError(f"{path}#{index}: {error}") from error
    pdfmetrics.registerFont(font)
    found = Face(name=name, path=path, index=index, cmap=font.face.charToGlyph, packaged=path == DEFAULT_FONT)
    _by_name[name] = found
    return found


def _utf16(value: int) -> str:
    if value <= 0xFFFF:
        return f"{value:04X}"
    high, low = divmod(value - 0x10000, 0x400)
    return f"{0xD800 + high:04X}{0xDC00 + low:04X}"


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with characters beyond the BMP written as UTF-16 surrogate pairs.

    reportlab 5.1 writes them as bare code points (<20BB7>), which readers reject: a name with 𠮷 printed
    correctly but could not be searched, copied or read back. Identical to reportlab's for the BMP."""
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def",
        "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
        f"{len(subset)} beginbfchar", *(f"<{code:02X}> <{_utf16(value)}>" for code, value in enumerate(subset)),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


# Variation selectors pick a glyph variant; reportlab cannot apply them (no cmap format 14), so the base
# character prints. Other invisible controls would only draw as blanks.
_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def clean(text: str, keep_newlines: bool = False) -> str:
    """NFC-normalised text without control or format characters (tabs become spaces)."""
    text = unicodedata.normalize("NFC", text)
    if text.isprintable() and not _SELECTORS.search(text):  # the usual case, checked in C
        return text
    out = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in "\t\r\n\v\f":
            out.append(" ")
        elif _SELECTORS.match(ch) or unicodedata.category(ch) in ("Cc", "Cf") or FORBIDDEN.match(ch):
            continue  # FORBIDDEN: noncharacters such as U+FFFE, which no font has
        else:
            out.append(ch)
    return "".join(out)
