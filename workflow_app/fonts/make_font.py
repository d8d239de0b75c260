"""Convert the SC face of Noto Serif CJK (CFF) into a TrueType-outline font reportlab can embed."""
import sys

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

src, out = sys.argv[1], sys.argv[2]
coll = TTCollection(src)
index = next(i for i, f in enumerate(coll.fonts) if "SC" in f["name"].getDebugName(1))
print("SC face index", index, coll.fonts[index]["name"].getDebugName(4))
font = TTFont(src, fontNumber=index)
ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x214F), (0x2460, 0x24FF), (0x3000, 0x303F),
          (0x3200, 0x32FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
          (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF), (0x30000, 0x3134F)]
unicodes = [u for a, b in ranges for u in range(a, b + 1)]
options = subset.Options()
options.layout_features = ["*"]
options.name_IDs = ["*"]
options.name_languages = ["*"]
options.notdef_outline = True
options.glyph_names = False
options.hinting = False
sub = subset.Subsetter(options)
sub.populate(unicodes=unicodes)
sub.subset(font)
print("glyphs after subset", len(font.getGlyphOrder()))

glyph_order = font.getGlyphOrder()
glyph_set = font.getGlyphSet()
glyf = newTable("glyf")
glyf.glyphOrder = glyph_order
glyf.glyphs = {}
for name in glyph_order:
    pen = TTGlyphPen(None)
    glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    glyf.glyphs[name] = pen.glyph()
font["glyf"] = glyf
font["loca"] = newTable("loca")
del font["CFF "]
if "VORG" in font:
    del font["VORG"]
font["maxp"] = newTable("maxp")
maxp = font["maxp"]
maxp.tableVersion = 0x00010000
for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
             "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
    setattr(maxp, attr, 0)
maxp.maxZones = 1
font["head"].glyphDataFormat = 0
font["head"].indexToLocFormat = 0
font["post"].formatType = 3.0
font.sfntVersion = "\x00\x01\x00\x00"
# Distinct family name, so it never clashes with an installed Noto.
name = font["name"]
for record in name.names:
    if record.nameID in (1, 4, 16):
        record.string = "Union Serif SC" if record.nameID != 4 else "Union Serif SC Regular"
    elif record.nameID == 6:
        record.string = "UnionSerifSC-Regular"
font.save(out)
print("saved", out)
