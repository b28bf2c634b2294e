"""What the upload check (storage/pdf_check.py: pypdf parse + walk of every reachable object) costs.

Run with ``.venv/bin/python bench/pdf_check_cost.py [--n 5]``. Prints the median time of ``pdf_problem``
for four documents made here with ReportLab and Pillow:

- typical: a 12-page text report (what most uploads are), about 30 KB;
- scanned: a scan-like 20 MB file (pages of incompressible JPEG images): big streams, few objects;
- many objects: pages of text and link annotations, just under the check's object limit: the walk's worst
  accepted case; and 20 MB of the same, refused at the limit;
- and, for comparison, the old byte sniff (``looks_like_pdf``) on the 20 MB file.

It prints figures and always exits 0; it is not a test.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402
from reportlab.lib.utils import ImageReader  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from storage.files import looks_like_pdf  # noqa: E402
from storage.pdf_check import MAX_OBJECTS, Problem, pdf_problem  # noqa: E402

TWENTY_MB = 20 * 1024 * 1024


def typical() -> bytes:
    out = io.BytesIO()
    document = canvas.Canvas(out)
    for page in range(12):
        for line in range(40):
            document.drawString(60, 780 - line * 18, f"Report page {page + 1}, line {line + 1}: measured value 42.0")
        document.showPage()
    document.save()
    return out.getvalue()


def scanned(target: int = TWENTY_MB) -> bytes:
    """Pages of random-noise JPEGs (incompressible), as many as make ``target`` bytes."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (600, 800), os.urandom(600 * 800 * 3)).save(buffer, "JPEG", quality=85)
    pages = max(1, target // len(buffer.getvalue()))
    out = io.BytesIO()
    document = canvas.Canvas(out)
    for _ in range(pages):  # each page its own image: ReportLab would share one
        buffer = io.BytesIO()
        Image.frombytes("RGB", (600, 800), os.urandom(600 * 800 * 3)).save(buffer, "JPEG", quality=85)
        document.drawImage(ImageReader(buffer), 0, 0, 595, 842)
        document.showPage()
    document.save()
    return out.getvalue()


def _text_and_links(pages: int) -> bytes:
    out = io.BytesIO()
    document = canvas.Canvas(out, pageCompression=0)
    for page in range(pages):
        for line in range(45):
            y = 800 - line * 17
            document.drawString(40, y, f"page {page} row {line} " + os.urandom(12).hex())
            document.linkURL("https://example.invalid/", (40, y, 200, y + 12))
        document.showPage()
    document.save()
    return out.getvalue()


def many_objects() -> bytes:
    """Text pages with 45 link annotations each (one object per link): 46 walked objects a page, just under the
    check's MAX_OBJECTS — the most work an accepted upload can make the walk do."""
    return _text_and_links(MAX_OBJECTS // 46 - 2)


def too_many_objects(target: int = TWENTY_MB) -> bytes:
    """The same, 20 MB of it: refused once the walk passes MAX_OBJECTS."""
    per_page = len(_text_and_links(20)) / 20
    return _text_and_links(int(target / per_page))


def median_seconds(check, data: bytes, n: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds: on a shared machine the CPU time is the figure that carries over."""
    walls, cpus = [], []
    for _ in range(n):
        wall, cpu = time.perf_counter(), time.process_time()
        check(data)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5)
    n = parser.parse_args().n
    documents = {"typical": typical(), "scanned 20 MB": scanned(), "many objects": many_objects(),
                 "too many objects": too_many_objects()}
    for name, data in documents.items():
        assert pdf_problem(data) == (Problem.TOO_COMPLEX if name == "too many objects" else None), name
        wall, cpu = median_seconds(pdf_problem, data, n)
        print(f"{name:18} {len(data) / 1024 / 1024:6.1f} MB  pdf_problem median {wall * 1000:8.1f} ms wall, "
              f"{cpu * 1000:8.1f} ms CPU")
    big = documents["scanned 20 MB"]
    wall, cpu = median_seconds(looks_like_pdf, big, n)
    print(f"{'old sniff':18} {len(big) / 1024 / 1024:6.1f} MB  looks_like_pdf median {wall * 1000:8.3f} ms wall")


if __name__ == "__main__":
    main()
