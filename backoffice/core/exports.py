"""Tabular downloads shared by every app's report pages: CSV, or XLSX through openpyxl."""

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse

EXPORT_FORMATS = ("csv", "xlsx")


def tabular_response(
    name: str, header: Sequence[str], rows: list[list[Any]], fmt: str
) -> HttpResponse:
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=name[:31])
        ws.append(list(header))
        for row in rows:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        response = HttpResponse(
            buf.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
