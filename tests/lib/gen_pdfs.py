#!/usr/bin/python3
"""Writes the odd PDFs the full-text tests need into a folder (Debian's python3-reportlab).

  gen_pdfs.py DIR [--big]

paper.pdf      a small text PDF with numbered headings, a caption and a code link
image-only.pdf one page holding only an image (no text layer)
pages-500.pdf  500 pages of text
broken-xref.pdf paper.pdf with its cross-reference table and startxref smashed
encrypted.pdf  needs a user password
truncated.pdf  the first half of paper.pdf
footnotes.pdf  two pages: the first ends mid-sentence above its footnotes (8 pt under 10 pt
               text: equal contribution, a corresponding author, a code link, a venue's
               notice) and its page number
bomb.pdf       one page whose content stream (570 KB) inflates to 200 MB of text operators:
               poppler takes seconds over it
big.pdf        (--big) a valid PDF of about 50 MB (an incompressible image stream)
"""
import io
import os
import random
import sys

from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


def text_pdf(path, pages=1, encrypt=None):
    c = canvas.Canvas(path, pagesize=letter, encrypt=encrypt)
    for p in range(pages):
        y = 740
        for line in PAGE:
            c.drawString(72, y, line)
            y -= 14
        c.drawString(300, 40, str(p + 1))
        c.showPage()
    c.save()


PAGE = [
    "A Small Test Paper About Parsing",
    "Abstract",
    "We parse papers. This abstract says what the paper does in two sentences.",
    "1 Introduction",
    "Papers are read by people and by programs. This one is read by a program that",
    "wants to find its sections, its captions and its code.",
    "2 Method",
    "We split the text into lines and look for headings that count up from one.",
    "Code is at https://github.com/example-org/paper-parser for anyone to try.",
    "Figure 1: The parser reads lines and finds headings.",
    "3 Experiments",
    "On 40 papers the parser found 95.5% of the headings (Table 1).",
    "Table 1: Headings found per paper.",
    "4 Conclusion",
    "Headings that count up are easy to find; the rest is left as paragraphs.",
    "References",
    "[1] A. Author. A paper about papers. 2020.",
]


def image_pdf(path):
    from PIL import Image
    img = Image.new("RGB", (400, 300), (200, 30, 30))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    c = canvas.Canvas(path, pagesize=letter)
    c.drawImage(ImageReader(buf), 72, 300, 400, 300)
    c.showPage()
    c.save()


def footnotes_pdf(path):
    """Footnotes at the foot of the first page, set smaller than its text."""
    c = canvas.Canvas(path, pagesize=letter)
    y = 740
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, y, "Footnotes in the Way")
    y -= 20
    c.setFont("Helvetica", 10)
    c.drawString(72, y, "Ann Author*, Bo Builder*, Cy Coder\u2020")
    y -= 24
    c.setFont("Helvetica-Bold", 10)
    c.drawString(72, y, "1 Introduction")
    y -= 14
    c.setFont("Helvetica", 10)
    for line in FOOT_BODY:
        c.drawString(72, y, line)
        y -= 12
    c.setFont("Helvetica", 8)
    for i, note in enumerate(FOOT_NOTES):
        c.drawString(72, 96 - 10 * i, note)
    c.setFont("Helvetica", 10)
    c.drawString(300, 40, "1")
    c.showPage()
    c.setFont("Helvetica", 10)
    y = 740
    for line in FOOT_NEXT:
        c.drawString(72, y, line)
        y -= 12
    c.drawString(300, 40, "2")
    c.showPage()
    c.save()


FOOT_BODY = [
    "Papers put their footnotes at the foot of the first page, below the text and in a",
    "smaller type. A reader of the page's text meets them where they stand, which is in",
    "the middle of a sentence when the text goes on to the next page.",
] * 4 + [
    "This sentence begins on the first page and goes on",
]
FOOT_NOTES = [
    "*Equal contribution.",
    "\u2020Corresponding author: cy@example.edu",
    "Code: https://github.com/example-org/foot-notes",
    "Proceedings of the Example Conference on Footnotes, Nowhere, 2025. Copyright 2025.",
]
FOOT_NEXT = [
    "past the page break to its end.",
    "2 Method",
    "The footnotes are told apart by their size and their place on the page.",
]


def big_pdf(path, size=50 * 1024 * 1024):
    """A valid PDF of about size bytes: one page, one uncompressed random image."""
    from PIL import Image
    side = int((size / 3) ** 0.5)
    rnd = random.Random(7)
    img = Image.frombytes("RGB", (side, side), rnd.randbytes(side * side * 3))
    c = canvas.Canvas(path, pagesize=letter, pageCompression=0)
    c.drawImage(ImageReader(img), 72, 72, 400, 400)
    c.drawString(72, 740, "A big PDF")
    c.showPage()
    c.save()


def bomb_pdf(path, inflated=200_000_000):
    """One page whose content stream is a decompression bomb of text operators."""
    import zlib
    unit = b"BT /F1 1 Tf 1 0 0 1 10 10 Tm (a) Tj ET\n"
    block = unit * (inflated // len(unit) // 64)
    co = zlib.compressobj(9)
    stream = b"".join(co.compress(block) for _ in range(64)) + co.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream +
        b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    open(path, "wb").write(out)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    paper = os.path.join(out, "paper.pdf")
    text_pdf(paper)
    image_pdf(os.path.join(out, "image-only.pdf"))
    text_pdf(os.path.join(out, "pages-500.pdf"), pages=500)
    text_pdf(os.path.join(out, "encrypted.pdf"), encrypt="secret")
    data = open(paper, "rb").read()
    # Smash the cross-reference table and the startxref offset: readers must rebuild it.
    i = data.rfind(b"xref")
    broken = data[:i] + b"xref\n0 999\nnonsense nonsense\n" + b"startxref\n99999999\n%%EOF\n"
    open(os.path.join(out, "broken-xref.pdf"), "wb").write(broken)
    open(os.path.join(out, "truncated.pdf"), "wb").write(data[: len(data) // 2])
    bomb_pdf(os.path.join(out, "bomb.pdf"))
    footnotes_pdf(os.path.join(out, "footnotes.pdf"))
    if "--big" in sys.argv:
        big_pdf(os.path.join(out, "big.pdf"))


if __name__ == "__main__":
    main()
