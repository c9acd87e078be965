#!/usr/bin/python3
"""Writes the odd PDFs the full-text tests need into a folder (Debian's python3-reportlab).

  gen_pdfs.py DIR [--big]

paper.pdf      a small text PDF with numbered headings, a caption and a code link
image-only.pdf one page holding only an image (no text layer)
pages-500.pdf  500 pages of text
broken-xref.pdf paper.pdf with its cross-reference table and startxref smashed
encrypted.pdf  needs a user password
truncated.pdf  the first half of paper.pdf
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
    if "--big" in sys.argv:
        big_pdf(os.path.join(out, "big.pdf"))


if __name__ == "__main__":
    main()
