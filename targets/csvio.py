"""Targets in and out of CSV.

Import is all or nothing: every row is checked (with the same form and rules
as the create page) and the report names each bad line; only a file with no
bad line is saved, in one transaction. Export streams the filtered list in a
layout that import reads back.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from core.spreadsheet import restore_cell, safe_row

from .forms import FORM_FIELDS, LABELS, TargetForm
from .models import Scheme, TargetExtra, TargetType
from .names import simplify_name
from .neighbours import Crowding, crowding
from .services import TargetInput, check_extras, create_target

ALIAS_COLUMNS = {"aliases", "alias"}
# A target file's columns, in the order the export writes and the sample shows them. Import also reads
# name2, name3... as aliases, and any other column as an extra field.
COLUMNS = (*FORM_FIELDS, "aliases")
# Written by the export, read-only here.
IGNORED_COLUMNS = {"id", "created", "modified"}
DELIMITERS = (",", "\t", ";")  # what spreadsheets write: comma, tab, and semicolon where "," is the decimal mark
# The sample file offered on the import page: one row of each kind (sexagesimal, decimal with proper motion,
# a comet), and an extra column.
SAMPLE_EXTRA_COLUMNS = ("redshift",)
SAMPLE_ROWS = (
    {"name": "SN 2011fe", "type": "SIDEREAL", "ra": "14:03:05.7", "dec": "+54:16:25", "aliases": "PTF11kly",
     "redshift": "0.0008"},
    {"name": "Barnard's Star", "type": "SIDEREAL", "ra": "269.452075", "dec": "4.693391", "epoch": "2000",
     "pm_ra": "-801.551", "pm_dec": "10362.394", "parallax": "546.976", "distance": "1.828"},
    {"name": "2P/Encke", "type": "NON_SIDEREAL", "scheme": "MPC_COMET", "epoch_of_elements": "60600",
     "inclination": "11.4", "lng_asc_node": "334.2", "arg_of_perihelion": "187.0", "eccentricity": "0.847",
     "perihdist": "0.339", "epoch_of_perihelion": "60240.5"},
)


@dataclass
class ImportReport:
    created: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crowding: Crowding = field(default_factory=Crowding)  # created targets lying near others (targets.neighbours)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Row:
    """One record of the file: the line it starts on (a quoted value may span lines), its cells by column."""

    line: int
    cells: dict[str, str]
    surplus: bool = False  # more values than the header has columns


def _is_alias_column(column: str) -> bool:
    # The TOM Toolkit's CSV import treats name2, name3... as aliases.
    return column in ALIAS_COLUMNS or (column.startswith("name") and column[4:].isdigit())


def _is_known(column: str) -> bool:
    return column in COLUMNS or _is_alias_column(column)


def _header(cells: list[str]) -> list[str]:
    """The header's column names: ours in any case (``Name,RA,Dec``); others (extra fields) as written.

    A name is lowered only when its lower-case form is not itself in the header, so our export's extra
    field called ``RA`` beside its ``ra`` column stays an extra field. A column named twice is refused.
    """
    names = [restore_cell(cell).strip() for cell in cells]  # our export's formula guard undone (core.spreadsheet)
    written = set(names)
    columns = [name.lower() if _is_known(name.lower()) and name.lower() not in written else name for name in names]
    positions: dict[str, list[int]] = {}
    for number, column in enumerate(columns, start=1):
        if column:
            positions.setdefault(column, []).append(number)
    for column, numbers in positions.items():
        if len(numbers) > 1:
            spelled = ", ".join(repr(names[n - 1]) for n in numbers)
            raise ValidationError(
                f"The header names the column {column!r} more than once (columns {', '.join(map(str, numbers))}: "
                f"{spelled}); keep one.")
    return columns


def _delimiter(line: str) -> str:
    """The separator of a header line: the one of ``DELIMITERS`` that finds a name column, else the most columns."""
    def score(delimiter: str) -> tuple[bool, int]:
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            cells = []
        return any(cell.strip().lower() == "name" for cell in cells), len(cells)

    return max(DELIMITERS, key=score)  # ties go to the first: a one-column file is comma-separated


def _excel_separator(line: str) -> str | None:
    """The separator Excel names on a first line of its own (``sep=;``), if there is one."""
    match = re.fullmatch(r"sep=([^\r\n\"])\r?\n?", line)
    return match.group(1) if match else None


def _csv_problem(exc: csv.Error, start: int, current: int) -> str:
    """``exc`` in words, with the line where the record it was found in begins."""
    if "unexpected end of data" in str(exc):
        return f'Line {start}: a quoted value starts on this line and is never closed (a " is missing).'
    if "field larger than field limit" in str(exc):
        return (f"Line {start}: a value longer than {csv.field_size_limit():,} characters starts on this line "
                "(is a quote left open?).")
    if current != start:
        return (f"Line {start}: not valid CSV ({exc} on line {current}, inside a quoted value that began on line "
                f"{start}: is a quote left open?).")
    return f"Line {start}: not valid CSV ({exc})."


def _read_rows(upload) -> tuple[list[str], list[Row]]:
    """The header and rows, read as a stream: the size is checked before reading, rows are counted as they
    come, so an oversized file costs nothing and a long one no more than the rows allowed (decoding the
    whole file first took a 61 MB file's process from 0.7 to 1.7 GB).

    Comma-, tab- and semicolon-separated files are read alike (the header line says which); rows keep the
    line they start on, so every message names the line a spreadsheet or an editor shows.
    """
    limit = settings.TARGET_IMPORT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        size = "of unknown size" if upload.size is None else f"{upload.size:,} bytes"
        raise ValidationError(f"The file is {size}; import files of at most {limit:,} bytes (TARGET_IMPORT_MAX_BYTES).")
    most = settings.TARGET_IMPORT_MAX_ROWS
    upload.seek(0)
    text = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
    rows: list[Row] = []
    try:
        first, skipped = text.readline(), 0
        while first and not first.strip():  # blank lines above the header
            first, skipped = text.readline(), skipped + 1
        delimiter = _excel_separator(first)
        if delimiter:
            first, skipped = text.readline(), skipped + 1
        else:
            delimiter = _delimiter(first)
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter, strict=True)
        header: list[str] | None = None
        while True:
            start = reader.line_num + 1 + skipped
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise ValidationError(_csv_problem(exc, start, reader.line_num + skipped)) from None
            if header is None:
                header = _header(cells)
                continue
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a spreadsheet's empty row (",,,")
            if len(rows) == most:
                raise ValidationError(f"The file has more than {most:,} rows; import at most {most:,} at a time.")
            surplus = any(cell.strip() for cell in cells[len(header):])  # empty trailing cells are a spreadsheet's
            rows.append(Row(start, dict(zip(header, cells)), surplus=surplus))
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text; save it from your spreadsheet as 'CSV UTF-8'.") from None
    finally:
        text.detach()  # the upload's file stays open for Django to close
    header = header or []
    if "name" not in header:
        raise ValidationError("The header row must have a 'name' column (found: %s)." % (", ".join(h for h in header if h) or "nothing"))
    if not rows:
        raise ValidationError("The file has a header but no targets.")
    return header, rows


def import_targets(user, upload, view_groups=(), change_groups=()) -> ImportReport:
    """Check every row; save all of them in one transaction only if none is bad."""
    report = ImportReport()
    try:
        header, rows = _read_rows(upload)
    except ValidationError as exc:
        report.errors.extend(exc.messages)
        return report
    inputs = _checked_inputs(user, header, rows, report.errors)
    if report.errors:
        return report
    try:
        with transaction.atomic():
            report.created = [create_target(user, i, view_groups, change_groups) for i in inputs]
    except ValidationError as exc:
        report.created = []
        report.errors.extend(f"Nothing was imported: {m}" for m in exc.messages)
        return report
    report.crowding = crowding(user, report.created)
    return report


def _checked_inputs(user, header: list[str], rows: list[Row], errors: list[str]) -> list[TargetInput]:
    """Every row as a target's input, each checked as the target form checks one; a name (or alias) used on two
    lines of the file is refused as well. Every problem goes to ``errors``, naming its line."""
    alias_columns = [c for c in header if _is_alias_column(c)]
    extra_columns = [c for c in header if c and not _is_known(c) and c not in IGNORED_COLUMNS]
    inputs: list[TargetInput] = []
    seen: dict[str, int] = {}
    for record in rows:
        label, target_input = _row_input(user, record, alias_columns, extra_columns, errors)
        if target_input is None:
            continue
        for name in target_input.aliases + [target_input.fields["name"]]:
            key = simplify_name(name)
            if key in seen:
                errors.append(f"{label}: {name!r} is the same name as one on line {seen[key]}.")
            seen.setdefault(key, record.line)
        inputs.append(target_input)
    return inputs


def _row_input(user, record: Row, alias_columns: list[str], extra_columns: list[str],
               errors: list[str]) -> tuple[str, TargetInput | None]:
    """One row's label ("Line 7 ('SN 2024abc')") and target input, or None when it has problems (put in ``errors``)."""
    if record.surplus:
        errors.append(f"Line {record.line}: more values than columns in the header.")
        return "", None
    row = {k: restore_cell(v) for k, v in record.cells.items()}
    data = {k: (v or "").strip() for k, v in row.items() if k in FORM_FIELDS}
    data["type"] = data.get("type", "").upper() or "SIDEREAL"
    if data.get("scheme"):
        data["scheme"] = data["scheme"].upper()
    aliases = [
        restore_cell(alias.strip()) for c in alias_columns
        for alias in (row.get(c) or "").replace("|", ";").split(";") if alias.strip()
    ]
    data["aliases"] = "\n".join(aliases)
    form = TargetForm(data=data, user=user)
    label = f"Line {record.line}" + (f" ({data.get('name')!r})" if data.get("name") else "")
    if not form.is_valid():
        for name, messages in form.errors.items():
            where = "" if name == "__all__" else f"{name}: "
            errors.extend(f"{label}: {where}{m}" for m in messages)
        return label, None
    target_input = form.target_input()
    target_input.extras = {c: row[c].strip() for c in extra_columns if (row.get(c) or "").strip()}
    if problem := check_extras(target_input.extras):
        errors.append(f"{label}: {problem}")
        return label, None
    return label, target_input


def sample_rows():
    """The import page's sample file: the importer's own columns (``COLUMNS``), so the two cannot disagree."""
    columns = [*COLUMNS, *SAMPLE_EXTRA_COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in SAMPLE_ROWS:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def column_descriptions() -> list[tuple[str, str]]:
    """(column, what it holds) for the import page, from the same definitions as the importer."""
    choices = {"type": f"{TargetType.SIDEREAL} (the default) or {TargetType.NON_SIDEREAL}",
               "scheme": ", ".join(Scheme.values)}
    words = {**LABELS, "aliases": "Aliases, separated by ;"}
    return [(column, words[column] + (f": {choices[column]}" if column in choices else "")) for column in COLUMNS]


def export_rows(queryset):
    """CSV lines (header first) for the targets in ``queryset``; extras become columns.

    Every cell goes through ``core.spreadsheet.safe_row``: names and extras come from peers and streams,
    and a text cell starting with ``=`` must not run as a formula in whoever's spreadsheet opens the file.
    """
    extra_keys = sorted(set(
        TargetExtra.objects.filter(target__in=queryset.values("pk")).values_list("key", flat=True).distinct()
    ))
    columns = [*COLUMNS, "created", *extra_keys]
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(safe_row(columns))
    yield flush()
    for target in queryset.prefetch_related("names", "extras").iterator(chunk_size=2000):
        extras = {e.key: e.value for e in target.extras.all()}
        values = [getattr(target, f) for f in FORM_FIELDS]
        writer.writerow([
            *safe_row("" if v is None else v for v in values),
            ";".join(safe_row(target.alias_names())),  # each alias guarded: ";" separates cells in some locales
            target.created.isoformat(),
            *safe_row(extras.get(k, "") for k in extra_keys),
        ])
        yield flush()
