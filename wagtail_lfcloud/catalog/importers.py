"""Import products from CSV or XLSX, all or nothing.

Columns (header row required, order free, names case-insensitive): ``sku`` and ``name``
(required), ``style``, ``colour``, ``catalog`` (name), ``season`` (code), ``asin``, ``gtin``.
Existing products (same SKU in the brand, case-insensitive) are updated; missing catalogs and
seasons are created. If any row is bad, nothing is imported and every bad row is reported with
its line number (for a workbook, its row number in the first worksheet).

The format is recognised from the content: an XLSX workbook (a zip file) or UTF-8 text (CSV with
commas, semicolons or tabs).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..models import Brand, Catalog, Product, Season

COLUMNS = ["sku", "name", "style", "colour", "catalog", "season", "asin", "gtin"]
REQUIRED = ["sku", "name"]
#: Refuse absurd files before reading them into memory.
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000


@dataclass
class RowError:
    line: int
    message: str
    #: What ``line`` counts: "Line" in a CSV file, "Row" in a workbook.
    unit: str = "Line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}" if self.line else self.message


class ImportFailed(Exception):
    """Nothing was imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            "; ".join(str(e) for e in errors[:5]) + (" ..." if len(errors) > 5 else "")
        )


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    catalogs_created: list[str] = field(default_factory=list)
    seasons_created: list[str] = field(default_factory=list)


#: How every XLSX (and any zip) file starts.
ZIP_MAGIC = b"PK\x03\x04"


def _read(source) -> str | bytes:
    """The text of a CSV source, or the bytes of a workbook."""
    if isinstance(source, str):
        return source
    data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFailed(
            [RowError(0, f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")]
        )
    if isinstance(data, str):
        return data
    if data.startswith(ZIP_MAGIC):
        return data
    return _decode(data)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [
                RowError(
                    0,
                    f"The file is not UTF-8 text (byte {exc.start} cannot be read). Save it as CSV UTF-8.",
                )
            ]
        ) from None


def import_products(source, brand: Brand) -> ImportResult:
    """Import products into ``brand`` from CSV text, or a binary/text file object holding CSV or
    an XLSX workbook.

    Raises :class:`ImportFailed` (and changes nothing) when any row is bad.
    """
    content = _read(source)
    if isinstance(content, bytes):
        return _apply(*_xlsx_rows(content), brand, "Row")
    return _apply(*_csv_rows(content), brand, "Line")


def _check_header(header: list[str], unit: str) -> None:
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    errors: list[RowError] = []
    if missing:
        errors.append(
            RowError(
                1,
                f"Missing required column(s): {', '.join(missing)}. Expected: {', '.join(COLUMNS)}.",
                unit,
            )
        )
    if unknown:
        errors.append(
            RowError(
                1,
                f"Unknown column(s): {', '.join(unknown)}. Expected: {', '.join(COLUMNS)}.",
                unit,
            )
        )
    if errors:
        raise ImportFailed(errors)


def _cell_text(value) -> str:
    """A workbook cell as the text a CSV would hold (a GTIN typed as a number stays whole)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The product rows of the workbook's first worksheet, keyed by spreadsheet row number."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFailed(
            [RowError(0, f"The file is not a readable XLSX workbook ({exc or 'damaged'}).")]
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFailed([RowError(0, "The workbook has no worksheet.")])
        rows_iter = sheet.iter_rows(values_only=True)
        first = next(rows_iter, None)
        if first is None or not any(_cell_text(v) for v in first):
            raise ImportFailed([RowError(0, "The first worksheet is empty.")])
        header = [_cell_text(v).lower() for v in first]
        while header and not header[-1]:
            header.pop()
        _check_header(header, "Row")
        rows: list[tuple[int, dict[str, str]]] = []
        errors: list[RowError] = []
        for number, values in enumerate(rows_iter, start=2):
            texts = [_cell_text(v) for v in values]
            if not any(texts):
                continue
            extra = [
                get_column_letter(i + 1)
                for i, text in enumerate(texts[len(header) :], start=len(header))
                if text
            ]
            if extra:
                errors.append(
                    RowError(
                        number,
                        f"Value(s) in column(s) {', '.join(extra)}, which have no header.",
                        "Row",
                    )
                )
                continue
            texts += [""] * (len(header) - len(texts))
            rows.append((number, {h: t for h, t in zip(header, texts, strict=False) if h}))
            if len(rows) > MAX_ROWS:
                raise ImportFailed(
                    [RowError(number, f"More than {MAX_ROWS} rows; split the file.", "Row")]
                )
    finally:
        workbook.close()
    if not rows and not errors:
        raise ImportFailed([RowError(0, "The worksheet has a header but no product rows.")])
    return rows, errors


def _csv_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    if not text.strip():
        raise ImportFailed([RowError(0, "The file is empty.")])
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise ImportFailed([RowError(1, f"The header row cannot be read ({exc}).")]) from None
    _check_header(header, "Line")
    errors: list[RowError] = []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                errors.append(
                    RowError(line, f"Expected {len(header)} values, found {len(values)}.")
                )
                continue
            rows.append((line, {h: v.strip() for h, v in zip(header, values, strict=True) if h}))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([RowError(line, f"More than {MAX_ROWS} rows; split the file.")])
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, f"Malformed CSV: {exc}."))
    if not rows and not errors:
        raise ImportFailed([RowError(0, "The file has a header but no product rows.")])
    return rows, errors


def _apply(
    rows: list[tuple[int, dict[str, str]]], errors: list[RowError], brand: Brand, unit: str
) -> ImportResult:
    """Write ``rows`` in one transaction; roll everything back when any row (or ``errors``) is bad."""
    with transaction.atomic():
        result = ImportResult()
        existing = {p.sku.lower(): p for p in Product.objects.filter(brand=brand)}
        catalogs = {c.name.lower(): c for c in Catalog.objects.filter(brand=brand)}
        seasons = {s.code.lower(): s for s in Season.objects.filter(brand=brand)}
        seen: dict[str, int] = {}
        for line, row in rows:
            sku = row.get("sku", "")
            if sku.lower() in seen:
                errors.append(
                    RowError(
                        line,
                        f"SKU {sku} appears again (first on {unit.lower()} {seen[sku.lower()]}).",
                        unit,
                    )
                )
                continue
            if sku:
                seen[sku.lower()] = line
            product = existing.get(sku.lower()) or Product(brand=brand)
            is_new = product.pk is None
            for column in ("sku", "name", "style", "colour", "asin", "gtin"):
                if column in row:
                    setattr(product, column, row[column])
            row_errors = []
            if row.get("catalog"):
                catalog = catalogs.get(row["catalog"].lower())
                if catalog is None:
                    catalog = Catalog(
                        brand=brand,
                        name=row["catalog"][:255],
                        slug=slugify(row["catalog"])[:80] or "catalog",
                    )
                    try:
                        catalog.full_clean(exclude=["brand"])
                        catalog.save()
                    except ValidationError as exc:
                        row_errors.append(f"catalog {row['catalog']!r}: {_flatten(exc)}")
                        catalog = None
                    else:
                        catalogs[catalog.name.lower()] = catalog
                        result.catalogs_created.append(catalog.name)
                product.catalog = catalog
            if row.get("season"):
                season = seasons.get(row["season"].lower())
                if season is None:
                    season = Season(brand=brand, code=row["season"])
                    try:
                        season.full_clean(exclude=["brand"])
                        season.save()
                    except ValidationError as exc:
                        row_errors.append(f"season {row['season']!r}: {_flatten(exc)}")
                        season = None
                    else:
                        seasons[season.code.lower()] = season
                        result.seasons_created.append(season.code)
                product.season = season
            try:
                product.full_clean(exclude=["brand", "catalog", "season"], validate_unique=False)
            except ValidationError as exc:
                row_errors.append(_flatten(exc))
            if row_errors:
                errors.append(RowError(line, "; ".join(row_errors), unit))
                continue
            product.save()
            (result.created if is_new else result.updated).append(product.sku)
        if errors:
            transaction.set_rollback(True)
            raise ImportFailed(sorted(errors, key=lambda e: e.line))
    return result


def _flatten(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
