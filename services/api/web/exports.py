"""The register pages' exports (seed 002: "Export", "Générer PDF"): a search as CSV, the
same columns as the REST API's (`csv_rows`), streamed page by page; a page of results as a
plain PDF table (fpdf2, its core fonts: Latin-1, other characters shown as '?')."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.responses import Response, StreamingResponse
from fpdf import FPDF

from services.projections.application import csv_rows

BRUSSELS = ZoneInfo("Europe/Brussels")


def csv_stream(name: str, pages: Iterable[list[dict]], total: int) -> StreamingResponse:
    """A CSV download: a header row, then the rows of every page as they are read."""
    def lines() -> Iterator[str]:
        first = True
        for items in pages:
            text = io.StringIO()
            rows = csv_rows(name, items)
            header = next(rows)
            writer = csv.writer(text, lineterminator="\n")
            if first:
                writer.writerow(header)
                first = False
            writer.writerows(rows)
            yield text.getvalue()
        if first:  # no page at all: the header alone
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerow(next(csv_rows(name, [])))
            yield text.getvalue()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"',
        "X-Total-Count": str(total)})


def paged(read: Callable[[int, int], tuple[int, list[dict]]], size: int, most: int,
          start: int = 0) -> Iterator[list[dict]]:
    """The pages of a search from row `start`, `size` rows at a time, up to row `most`:
    `read(limit, offset)` gives (total, items)."""
    offset = start
    while offset < most:
        _, items = read(min(size, most - offset), offset)
        if not items:
            return
        yield items
        if len(items) < size:
            return
        offset += len(items)


def latin(text: object) -> str:
    """What the PDF's core fonts can draw."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def pdf_table(title: str, lines: list[str], header: list[str], rows: list[list[str]],
              widths: list[float] | None = None) -> Response:
    """A landscape A4 PDF: a title, a few lines (the selection criteria), then the table."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_title(latin(title))
    pdf.set_creator("Dimona")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    for line in lines:
        pdf.multi_cell(0, 4.5, latin(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    widths = widths or [pdf.epw / len(header)] * len(header)

    def line(cells: list[str], style: str) -> None:
        if pdf.will_page_break(5):
            pdf.add_page()
        pdf.set_font("Helvetica", style, 7)
        x, y = pdf.l_margin, pdf.get_y()
        for width, cell in zip(widths, cells, strict=True):  # text(): cell() is 10x slower
            pdf.rect(x, y, width, 5)
            pdf.text(x + 0.6, y + 3.5, fitted(pdf, latin(cell), width - 1.2))
            x += width
        pdf.set_y(y + 5)

    line(header, "B")
    for i, cells in enumerate(rows):
        if i and pdf.will_page_break(5):
            pdf.add_page()
            line(header, "B")  # the header again on every page
        line(cells, "")
    pdf.set_font("Helvetica", "", 7)
    pdf.cell(0, 6, latin(datetime.now(BRUSSELS).strftime("%d/%m/%Y %H:%M")))
    return Response(bytes(pdf.output()), media_type="application/pdf", headers={
        "Content-Disposition": 'inline; filename="register.pdf"'})


def fitted(pdf: FPDF, text: str, width: float) -> str:
    """The text, cut with '...' to fit a cell (cells are one line)."""
    full = pdf.get_string_width(text)
    if full <= width:
        return text
    text = text[:int(len(text) * width / full)]  # about the right length, then exact
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."
