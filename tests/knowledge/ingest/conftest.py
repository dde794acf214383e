"""Builders for small PDF and DOCX files made inside the tests."""

from __future__ import annotations

import io
from pathlib import Path

import pytest


def make_pdf(path: Path, pages: list[list[str]], *, password: str | None = None) -> Path:
    """Write a PDF whose pages hold the given lines (Chinese via the built-in STSong CID font)."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for lines in pages:
        pdf.setFont("STSong-Light", 11)
        y = 780
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    if password is not None:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(password, algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    path.write_bytes(data)
    return path


@pytest.fixture
def pdf_factory(tmp_path: Path):
    def factory(name: str, pages: list[list[str]], **kwargs: str) -> Path:
        return make_pdf(tmp_path / name, pages, **kwargs)

    return factory
