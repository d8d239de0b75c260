"""Certificates: the app's renderer against the limit and against the HTML routes, side by side.

    python bench/certificates.py [--count 1000] [--repeat 3] [--keep DIR]

Every route prints the same certificates (same names, wording, numbers, verification URLs, seal and font)
on A4 landscape pages:
  (a) app        workflow_app.certificates.pdf.render_certificates: dataclasses, check_fonts, layout, QR
  (b) bare       a tuned reportlab script in this file, no app code: same elements, font, seal, QR encoder
  (c) weasyprint the same certificate as HTML (generated here), rendered by WeasyPrint
  (d) chromium   the same HTML file printed by headless Chromium (--print-to-pdf)
Routes run interleaved, after one warm-up each (font registration and imports are per process, not per
batch); the table shows the median and the fastest of the timed repetitions, the file size per 1,000
pages and the page count read back from each PDF. Routes whose tool is missing are skipped with a note.
"""

from __future__ import annotations

import argparse
import datetime
import html
import io
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from workflow_app.certificates.pdf import CertificatePage, CertificateStyle, demo_seal_png  # noqa: E402
from workflow_app.certificates.pdf import render_certificates as app_render  # noqa: E402

FONT = ROOT / "workflow_app" / "fonts" / "UnionSerifSC-Regular.ttf"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NAMES = ["马金凤", "沙海军", "马志远", "丁文杰", "沙建国", "王䶮", "李珺", "张玥", "刘喆", "陈堃", "赵𠮷",
         "沈丘县人民医院工会"]
ISSUED = datetime.date(2026, 11, 24)
TARGETS = {"app/bare": 1.25, "weasyprint/app": 10.0, "chromium/app": 4.0, "MB": 2.5}


def sample(count: int) -> list[dict]:
    """The content every route prints, as plain values."""
    rows = []
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        rows.append({
            "title": "荣誉证书", "recipient": name,
            "wording": f"兹授予{name}“沈丘县优秀工会工作者”荣誉称号。特发此证。",
            "issuer": "沈丘县总工会", "issued_on": ISSUED, "number": f"沈工证〔2026〕YXGZ-{i + 1:04d}",
            "verify_url": f"http://127.0.0.1:5000/verify/{i:08x}Qm9vbXRva2VuMTIz"})
    return rows


# --- (a) the app ---------------------------------------------------------------------------------------

def route_app(rows: list[dict], seal: bytes, out: Path) -> None:
    pages = [CertificatePage(**row) for row in rows]
    with out.open("wb") as f:
        app_render(pages, f, CertificateStyle(seal_png=seal))


# --- (b) the limit: bare reportlab, tuned, nothing from the app ------------------------------------------

def route_bare(rows: list[dict], seal: bytes, out: Path) -> None:
    import zxingcpp
    from reportlab import rl_config
    from reportlab.lib.colors import Color
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    rl_config.shapeChecking = 0
    rl_config.useA85 = 0
    if "BenchSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("BenchSerif", str(FONT)))
    width, height = landscape(A4)
    red, gold, ink, paper = Color(.7, .1, .11), Color(.78, .62, .29), Color(.1, .08, .07), Color(.992, .973, .925)
    dark = bytes(1 if v < 128 else 0 for v in range(256))
    run = re.compile(rb"\x01+")
    digits = "〇一二三四五六七八九"

    def cn_number(n: int) -> str:
        tens, ones = divmod(n, 10)
        return (digits[ones] if not tens else ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones
                                                                                         else ""))

    c = Canvas(str(out), pagesize=(width, height), pageCompression=1, initialFontName="BenchSerif")
    c.beginForm("frame")
    c.setFillColor(paper)
    c.rect(0, 0, width, height, stroke=0, fill=1)
    for inset, color, line in ((24, red, 7), (19.5, gold, 1.2), (28.5, gold, 1.2), (36, gold, .8), (39, red, 1.6)):
        c.setStrokeColor(color)
        c.setLineWidth(line)
        c.rect(inset, inset, width - 2 * inset, height - 2 * inset)
    c.setStrokeColor(gold)
    for x, y, sx, sy in ((39, 39, 1, 1), (width - 39, 39, -1, 1), (39, height - 39, 1, -1),
                         (width - 39, height - 39, -1, -1)):
        for d, n in ((7, 46), (13, 34)):
            c.lines([(x + sx * d, y + sy * (d + n), x + sx * d, y + sy * d), (x + sx * d, y + sy * d,
                                                                              x + sx * (d + n), y + sy * d)])
    c.line(width / 2 - 120, height - 158, width / 2 + 120, height - 158)
    c.endForm()
    c.beginForm("seal", 0, 0, 118, 118)
    c.drawImage(ImageReader(io.BytesIO(seal)), 0, 0, 118, 118, mask="auto")
    c.endForm()
    for row in rows:
        c.doForm("frame")
        c.saveState()
        text = c.beginText(width / 2 - 159, height - 128)
        text.setFont("BenchSerif", 54)
        text.setCharSpace(27)
        text.setFillColor(red)
        text.setTextRenderMode(2)
        c.setStrokeColor(red)
        c.setLineWidth(1.2)
        text.textOut(row["title"])
        c.drawText(text)
        c.restoreState()
        # Body: greedy wrap by character widths, 2-character indent, all but the last line justified.
        c.setFillColor(ink)
        lines, line, used, limit = [], "", 60.0, width - 224
        for ch in row["wording"]:
            w = pdfmetrics.stringWidth(ch, "BenchSerif", 30)
            if used + w > limit:
                lines.append((line, used))
                line, used = "", 0.0
            line, used = line + ch, used + w
        lines.append((line, used))
        y = height - 236
        for n, (line, used) in enumerate(lines):
            x = 112 + (60 if n == 0 else 0)
            text = c.beginText(x, y)
            text.setFont("BenchSerif", 30)
            text.setCharSpace((limit + 112 - x - used) / max(len(line) - 1, 1) if n < len(lines) - 1 else 0)
            text.textOut(line)
            c.drawText(text)
            y -= 57
        date = "".join(digits[int(d)] for d in str(row["issued_on"].year)) + "年" + cn_number(
            row["issued_on"].month) + "月" + cn_number(row["issued_on"].day) + "日"
        c.setFont("BenchSerif", 22)
        c.drawCentredString(width - 234, 142.5, row["issuer"])
        c.setFont("BenchSerif", 20)
        c.drawCentredString(width - 234, 104, date)
        c.saveState()
        c.translate(width - 293, 73)
        c.setBlendMode("Multiply")
        c.doForm("seal")
        c.restoreState()
        image = memoryview(zxingcpp.create_barcode(row["verify_url"], zxingcpp.BarcodeFormat.QRCode, ec_level="M")
                           .to_image(scale=1, add_quiet_zones=False))
        size = image.shape[0]
        flat = image.tobytes().translate(dark)
        ops = [f"{m.start() - r * size} {r} {m.end() - m.start()} 1 re" for r in range(size)
               for m in run.finditer(flat, r * size, (r + 1) * size)]
        c.saveState()
        c.transform(66 / size, 0, 0, -66 / size, 74, 150)
        c.addLiteral("\n".join(ops) + "\nf")
        c.restoreState()
        c.setFont("BenchSerif", 10)
        c.drawCentredString(107, 69, "扫码验证")
        c.setFont("BenchSerif", 11)
        c.drawString(154, 86, "证书编号：" + row["number"])
        c.showPage()
    c.save()


# --- (c), (d) the same certificate as HTML --------------------------------------------------------------

CSS = """
@font-face { font-family: "UnionSerif"; src: url("%(font)s") format("truetype"); }
@page { size: 297mm 210mm; margin: 0; }
html, body { margin: 0; padding: 0; }
body { font-family: "UnionSerif"; color: #1a1412; }
.page { position: relative; width: 297mm; height: 210mm; overflow: hidden; background: #fdf8ec;
        break-after: page; page-break-after: always; }
.page:last-child { break-after: auto; page-break-after: auto; }
.b { position: absolute; box-sizing: border-box; }
.b1 { inset: 7.2mm; border: 2.5mm solid #b31a1c; }
.b2 { inset: 10mm; border: 0.4mm solid #c79e4a; }
.b3 { inset: 13.3mm; border: 0.6mm solid #b31a1c; }
.c { position: absolute; width: 16mm; height: 16mm; border: 0.5mm solid #c79e4a; }
.tl { left: 16mm; top: 16mm; border-right: 0; border-bottom: 0; }
.tr { right: 16mm; top: 16mm; border-left: 0; border-bottom: 0; }
.bl { left: 16mm; bottom: 16mm; border-right: 0; border-top: 0; }
.br { right: 16mm; bottom: 16mm; border-left: 0; border-top: 0; }
h1 { position: absolute; top: 27mm; width: 100%%; margin: 0; text-align: center; font-weight: normal;
     font-size: 54pt; letter-spacing: 0.5em; text-indent: 0.5em; color: #bd1217; }
.rule { position: absolute; top: 55mm; left: 106mm; width: 85mm; border-top: 0.4mm solid #c79e4a; }
.body { position: absolute; top: 76mm; left: 39.5mm; right: 39.5mm; font-size: 30pt; line-height: 1.9;
        text-indent: 2em; text-align: justify; margin: 0; }
.issuer { position: absolute; right: 41.6mm; bottom: 33mm; text-align: center; }
.issuer div { font-size: 22pt; } .issuer .date { font-size: 20pt; margin-top: 2mm; }
.seal { position: absolute; right: 61mm; bottom: 26mm; width: 41.6mm; height: 41.6mm; mix-blend-mode: multiply; }
.qr { position: absolute; left: 26.1mm; bottom: 29.6mm; width: 23.3mm; height: 23.3mm; }
.cap { position: absolute; left: 26.1mm; width: 23.3mm; bottom: 23.5mm; font-size: 10pt; text-align: center; }
.no { position: absolute; left: 54.3mm; bottom: 30mm; font-size: 11pt; }
"""


def _qr_svg(data: str) -> str:
    import zxingcpp

    image = memoryview(zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
                       .to_image(scale=1, add_quiet_zones=False))
    size = image.shape[0]
    flat = image.tobytes()
    runs = []
    for r in range(size):
        c = 0
        while c < size:
            if flat[r * size + c] < 128:
                start = c
                while c < size and flat[r * size + c] < 128:
                    c += 1
                runs.append(f"M{start} {r}h{c - start}v1h-{c - start}z")
            else:
                c += 1
    return (f'<svg class="qr" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<path d="{"".join(runs)}"/></svg>')


def _chinese_date(day: datetime.date) -> str:
    digits = "〇一二三四五六七八九"

    def number(n: int) -> str:
        tens, ones = divmod(n, 10)
        return digits[ones] if not tens else ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")

    return "".join(digits[int(d)] for d in str(day.year)) + f"年{number(day.month)}月{number(day.day)}日"


def write_html(rows: list[dict], seal: Path, path: Path) -> None:
    parts = [f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
             f'{CSS % {"font": FONT.as_uri()}}</style></head><body>']
    for row in rows:
        name = html.escape(row["recipient"])
        wording = html.escape(row["wording"]).replace(name, f"<u>{name}</u>", 1)
        parts.append(
            '<section class="page"><div class="b b1"></div><div class="b b2"></div><div class="b b3"></div>'
            '<div class="c tl"></div><div class="c tr"></div><div class="c bl"></div><div class="c br"></div>'
            f'<h1>{html.escape(row["title"])}</h1><div class="rule"></div><p class="body">{wording}</p>'
            f'<div class="issuer"><div>{html.escape(row["issuer"])}</div>'
            f'<div class="date">{_chinese_date(row["issued_on"])}</div></div>'
            f'<img class="seal" src="{seal.as_uri()}" alt="">{_qr_svg(row["verify_url"])}'
            f'<div class="cap">扫码验证</div><div class="no">证书编号：{html.escape(row["number"])}</div></section>')
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")


def route_weasyprint(rows: list[dict], seal: Path, out: Path) -> None:
    import weasyprint

    page = out.with_suffix(".html")
    write_html(rows, seal, page)
    weasyprint.HTML(filename=str(page)).write_pdf(str(out))


def route_chromium(rows: list[dict], seal: Path, out: Path) -> None:
    page = out.with_suffix(".html")
    write_html(rows, seal, page)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer", "--allow-file-access-from-files",
                        f"--print-to-pdf={out}", page.as_uri()],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)


# --- the run -------------------------------------------------------------------------------------------

def available() -> dict[str, str | None]:
    """Why a route cannot run here (None: it can)."""
    reasons: dict[str, str | None] = {"app": None, "bare": None}
    try:
        import weasyprint  # noqa: F401

        reasons["weasyprint"] = None
    except (ImportError, OSError) as error:
        reasons["weasyprint"] = f"WeasyPrint unavailable ({error.__class__.__name__}: {error}); "
        reasons["weasyprint"] += "pip install -e '.[bench]'"
    reasons["chromium"] = None if shutil.which(CHROMIUM) else f"no Chromium at {CHROMIUM} (set CHROMIUM=...)"
    return reasons


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import _rl_accel  # noqa: F401

        accel = "rl_accel on"
    except ImportError:
        accel = "rl_accel MISSING (pip install rl-accel)"
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {accel}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates per batch (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions per route (default 3)")
    parser.add_argument("--keep", type=Path, help="keep the PDFs and the HTML in this folder")
    parser.add_argument("--only", nargs="*", choices=["app", "bare", "weasyprint", "chromium"], help="routes to run")
    args = parser.parse_args(argv)

    rows = sample(args.count)
    seal_png = demo_seal_png("沈丘县总工会")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    work.mkdir(parents=True, exist_ok=True)
    seal_path = work / "seal.png"
    seal_path.write_bytes(seal_png)
    routes: dict[str, Callable[[Path], None]] = {
        "app": lambda out: route_app(rows, seal_png, out),
        "bare": lambda out: route_bare(rows, seal_png, out),
        "weasyprint": lambda out: route_weasyprint(rows, seal_path, out),
        "chromium": lambda out: route_chromium(rows, seal_path, out),
    }
    labels = {"app": "(a) app: render_certificates", "bare": "(b) bare reportlab (the limit)",
              "weasyprint": "(c) HTML → WeasyPrint", "chromium": "(d) HTML → headless Chromium"}
    reasons = available()
    chosen = [name for name in routes if (not args.only or name in args.only)]
    for name in chosen:
        if reasons[name]:
            print(f"skipped {labels[name]}: {reasons[name]}")
    chosen = [name for name in chosen if not reasons[name]]
    print(f"{args.count} certificates, {args.repeat} timed runs per route after a warm-up; {machine()}")

    times: dict[str, list[float]] = {name: [] for name in chosen}
    for name in chosen:  # warm-up: imports, font registration, caches of the process
        routes[name](work / f"{name}.pdf")
    for _ in range(args.repeat):
        for name in chosen:  # interleaved, so that a noisy moment hits every route alike
            start = time.perf_counter()
            routes[name](work / f"{name}.pdf")
            times[name].append(time.perf_counter() - start)

    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{'route':34} {'median s':>9} {'min s':>7} {'MB/1000 p':>10} {'pages':>6} {'× (a)':>7}")
    size_mb = {}
    for name in chosen:
        pdf = work / f"{name}.pdf"
        pages = len(PdfReader(pdf).pages)
        size_mb[name] = pdf.stat().st_size / 1e6 * 1000 / args.count
        ratio = median[name] / median["app"] if "app" in median else float("nan")
        print(f"{labels[name]:34} {median[name]:9.2f} {min(times[name]):7.2f} {size_mb[name]:10.2f} {pages:6d} "
              f"{ratio:7.2f}")
    print()
    checks = []
    if {"app", "bare"} <= median.keys():
        checks.append(("(a) / (b)", median["app"] / median["bare"], "≤", TARGETS["app/bare"]))
    if {"app", "weasyprint"} <= median.keys():
        checks.append(("(c) / (a)", median["weasyprint"] / median["app"], "≥", TARGETS["weasyprint/app"]))
    if {"app", "chromium"} <= median.keys():
        checks.append(("(d) / (a)", median["chromium"] / median["app"], "≥", TARGETS["chromium/app"]))
    if "app" in size_mb:
        checks.append(("(a) MB per 1,000 pages", size_mb["app"], "≤", TARGETS["MB"]))
    failed = 0
    for label, value, op, target in checks:
        ok = value <= target if op == "≤" else value >= target
        failed += not ok
        print(f"{label:24} {value:6.2f}   target {op} {target:<5} {'ok' if ok else 'MISSED'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
