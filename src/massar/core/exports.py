"""CSV and XLSX writers shared by every export (streamed: a national list never sits in
memory as text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator


class _Echo:
    def write(self, value):
        return value


def csv_stream(columns: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(columns)  # BOM: Excel opens UTF-8 Arabic correctly
    for row in rows:
        yield writer.writerow(["" if v is None else v for v in row])


def xlsx_bytes(columns: list[str], rows: Iterable[list], title: str = "export") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(fmt: str, columns: list[str], rows: Iterable[list], name: str):
    """The download of a list: CSV streamed, or an XLSX workbook; 404 for another format."""
    from django.http import Http404, HttpResponse, StreamingHttpResponse

    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(columns, rows), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(columns, rows, name),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
