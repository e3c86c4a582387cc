"""Reads a file's content into form fields or table rows, deciding its format from the bytes.

The file name is only a claim: a PDF is recognised by its `%PDF-` header, text
by decoding it, HTML by its markup. Then:

- PDF (pypdf): fillable forms give their AcroForm widgets page by page (names
  and values); flattened forms give their text, read as `Label: value` lines.
  Each page is one form (1099s print one page per account or per sale).
- CSV: either a tax form as `field,value` rows (a new `form` row starts the next
  form, so one file may hold several), or a table (grant exports, 409A
  histories) whose header decides the layout later (`ingestion.documents.grants`).

Labels are matched after normalisation (lower case, letters and digits only),
so `Box 1 Wages, tips, other compensation`, `box1_wages` and `Box1 Wages` are
the same box. Anything that makes the content unreadable raises `DocumentProblem`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from ingestion.documents.problems import DocumentProblem

PDF_MAGIC = b"%PDF-"

# Canonical field names of the tax forms (CSV `field` column, fillable field names).
TAX_FORM_FIELDS: tuple[str, ...] = (
    "form",
    "tax_year",
    "recipient_name",
    "recipient_tin",
    "employer_name",
    "employer_ein",
    "box1_wages",
    "box2_federal_withholding",
    "box3_social_security_wages",
    "box4_social_security_tax",
    "box5_medicare_wages",
    "box6_medicare_tax",
    "box13_statutory_employee",
    "box13_retirement_plan",
    "box13_third_party_sick_pay",
    "box14_rsu",
    "box15_state",
    "box16_state_wages",
    "box17_state_tax",
    "account_id",
    "box1a_ordinary_dividends",
    "box1b_qualified_dividends",
    "box2a_capital_gain_distributions",
    "box1_interest",
    "line",
    "description",
    "quantity",
    "date_acquired",
    "date_sold",
    "proceeds",
    "cost_basis",
    "wash_sale_loss_disallowed",
    "term",
    "covered",
    "total_proceeds",
    "total_cost_basis",
)

# The captions printed on the IRS forms, for flattened PDFs that print them.
FORM_CAPTIONS: dict[str, str] = {
    "Box 1 Wages, tips, other compensation": "box1_wages",
    "Box 2 Federal income tax withheld": "box2_federal_withholding",
    "Box 3 Social security wages": "box3_social_security_wages",
    "Box 4 Social security tax withheld": "box4_social_security_tax",
    "Box 5 Medicare wages and tips": "box5_medicare_wages",
    "Box 6 Medicare tax withheld": "box6_medicare_tax",
    "Box 14 RSU": "box14_rsu",
    "Box 15 State": "box15_state",
    "Box 16 State wages, tips, etc.": "box16_state_wages",
    "Box 17 State income tax": "box17_state_tax",
    "Employee's social security number": "recipient_tin",
    "Employee's name": "recipient_name",
    "Recipient's TIN": "recipient_tin",
    "Recipient's name": "recipient_name",
    "Employer's name": "employer_name",
    "Employer identification number": "employer_ein",
}

_BOX12_LABEL = re.compile(r"^box12code([a-z]{1,2})$")
_FORM_TITLE = re.compile(r"\bform\s*(w-?2|1099-?(?:b|div|int))\b", re.IGNORECASE)
_FORM_NAMES = {"w2": "w2", "1099b": "1099_b", "1099div": "1099_div", "1099int": "1099_int"}


def normalise_label(label: str) -> str:
    return re.sub(r"[^a-z0-9]", "", label.lower())


_LABEL_INDEX: dict[str, str] = {normalise_label(name): name for name in TAX_FORM_FIELDS} | {
    normalise_label(caption): name for caption, name in FORM_CAPTIONS.items()
}


def canonical_field(label: str) -> str | None:
    """The tax-form field a label or field name stands for, or None if it is not one."""
    normalised = normalise_label(label)
    if normalised in _LABEL_INDEX:
        return _LABEL_INDEX[normalised]
    box12 = _BOX12_LABEL.match(normalised)
    return f"box12_code_{box12.group(1)}" if box12 else None


def form_type_of(text: str) -> str | None:
    """`w2`, `1099_b`, `1099_div` or `1099_int` for a form name or title, else None."""
    found = _FORM_TITLE.search(f"form {text}") or _FORM_TITLE.search(text)
    return _FORM_NAMES[normalise_label(found.group(1))] if found else None


@dataclass(frozen=True)
class FormPage:
    """One form instance: its type (None if unrecognised), page number and fields."""

    form_type: str | None
    page_number: int
    fields: dict[str, str]


@dataclass(frozen=True)
class ExtractedDocument:
    """What a file holds before interpretation: forms (tax documents) or a table (CSV exports)."""

    file_format: str  # pdf | csv
    layout: str  # pdf_fillable | pdf_flat | csv_fields | csv_table
    page_count: int | None = None
    forms: tuple[FormPage, ...] = ()
    table_header: tuple[str, ...] = ()
    table_rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


def extract(content: bytes, claimed_extension: str) -> ExtractedDocument:
    """Decide the format from the bytes and read the content; `DocumentProblem` if impossible.

    `claimed_extension` (".pdf", ".csv", ...) is compared with the content: a
    file named .pdf that is no PDF was not the document the client meant to send.
    """
    if not content:
        raise DocumentProblem("empty_file", "file is empty (0 bytes)")
    if content.startswith(PDF_MAGIC):
        return _without_nul_characters(extract_pdf(content))
    if _looks_binary(content):
        raise DocumentProblem(
            "binary_file", "file is binary data, neither a PDF nor text (wrong file uploaded?)"
        )
    if claimed_extension.lower() == ".pdf":
        raise DocumentProblem("not_a_pdf", "file named .pdf is not a PDF (its content is text)")
    return _without_nul_characters(extract_csv(content))


def _without_nul_characters(document: ExtractedDocument) -> ExtractedDocument:
    """The document, unless a value holds a NUL character, which Postgres text cannot store.

    Checked here, per file, so such a file is quarantined instead of failing the
    COPY of the whole batch it would be loaded with.
    """
    for form in document.forms:
        for field_name, value in form.fields.items():
            if "\x00" in value or "\x00" in field_name:
                raise DocumentProblem(
                    "nul_character", f"page {form.page_number}: a field holds a NUL character"
                )
    cells = [*document.table_header, *(cell for row in document.table_rows for cell in row)]
    if any("\x00" in cell for cell in cells):
        raise DocumentProblem("nul_character", "a CSV cell holds a NUL character")
    return document


def _looks_binary(content: bytes) -> bool:
    """Binary data, as opposed to text in some encoding: many control bytes, or a NUL early.

    UTF-16 text has NULs too, but then every other byte is one; a mis-encoded CSV
    has a few high bytes in mostly printable ASCII.
    """
    sample = content[:4096]
    printable = sum(32 <= byte < 127 or byte in (9, 10, 13) for byte in sample)
    return printable / len(sample) < 0.85


# -- PDF ---------------------------------------------------------------------------------
def extract_pdf(content: bytes) -> ExtractedDocument:
    import pypdf  # imported on use: loading pypdf is not free and many runs see no PDF
    from pypdf.errors import PdfReadError, PyPdfError

    if b"%%EOF" not in content[-2048:]:
        raise DocumentProblem("truncated_pdf", "PDF is truncated (no end-of-file marker)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(content))
        # An empty user password (owner restrictions only) still opens the file.
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise DocumentProblem("encrypted_pdf", "PDF is encrypted with a password")
        page_count = len(reader.pages)
    except DocumentProblem:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, NotImplementedError) as e:
        raise DocumentProblem(
            "unreadable_pdf", f"PDF cannot be read ({type(e).__name__})"
        ) from None
    if page_count == 0:
        raise DocumentProblem("pdf_without_pages", "PDF has no pages")
    try:
        widget_pages = [_page_widgets(page) for page in reader.pages]
        if any(widget_pages):
            forms = tuple(
                _form_from_widgets(number, widgets)
                for number, widgets in enumerate(widget_pages, start=1)
                if widgets
            )
            return ExtractedDocument("pdf", "pdf_fillable", page_count, forms)
        texts = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as e:
        raise DocumentProblem(
            "unreadable_pdf", f"PDF cannot be read ({type(e).__name__})"
        ) from None
    if not any(text.strip() for text in texts):
        raise DocumentProblem("image_only_pdf", "PDF has no text layer (image-only scan)")
    forms = tuple(_form_from_text(number, text) for number, text in enumerate(texts, start=1))
    return ExtractedDocument("pdf", "pdf_flat", page_count, forms)


def _page_widgets(page) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(field name, value) of the text widgets on a page, in their order on the page."""
    widgets = []
    for reference in page.get("/Annots") or []:
        annotation = reference.get_object()
        if annotation.get("/Subtype") != "/Widget":
            continue
        # A widget may be a kid of a field that carries the name and value.
        parent = annotation.get("/Parent")
        holder = parent.get_object() if parent is not None else annotation
        name = annotation.get("/T", holder.get("/T"))
        value = annotation.get("/V", holder.get("/V"))
        if name is None:
            continue
        widgets.append((str(name), "" if value is None else str(value)))
    return widgets


def _form_from_widgets(page_number: int, widgets: list[tuple[str, str]]) -> FormPage:
    fields: dict[str, str] = {}
    for name, value in widgets:
        canonical = canonical_field(name)
        if canonical is not None:
            fields[canonical] = value.strip()
    return FormPage(form_type_of(fields.get("form", "")), page_number, fields)


def _form_from_text(page_number: int, text: str) -> FormPage:
    fields: dict[str, str] = {}
    title_type = None
    for line in text.splitlines():
        label, separator, value = line.partition(":")
        canonical = canonical_field(label) if separator else None
        if canonical is not None:
            fields.setdefault(canonical, value.strip())
        elif title_type is None:
            title_type = form_type_of(line)
    return FormPage(form_type_of(fields.get("form", "")) or title_type, page_number, fields)


# -- CSV ---------------------------------------------------------------------------------
def extract_csv(content: bytes) -> ExtractedDocument:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentProblem(
            "not_utf8_text", f"file is not valid UTF-8 text (byte {error.start})"
        ) from None
    stripped = text.lstrip().lower()
    if stripped.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        raise DocumentProblem("html_not_csv", "file is an HTML page, not a CSV export")
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    except csv.Error:
        raise DocumentProblem("unknown_csv_layout", "CSV cannot be split into rows") from None
    if not rows:
        raise DocumentProblem("empty_file", "file holds no text")
    header = tuple(cell.strip() for cell in rows[0])
    normalised = [normalise_label(cell) for cell in header]
    if len(header) == 1 and header[0].count(";") >= 1:
        raise DocumentProblem("csv_wrong_delimiter", "CSV uses ';' as delimiter, not ','")
    duplicates = sorted({cell for cell in normalised if normalised.count(cell) > 1})
    if duplicates:
        raise DocumentProblem(
            "csv_duplicate_columns", f"CSV repeats the column {duplicates[0]!r} in its header"
        )
    if len(rows) == 1:
        raise DocumentProblem("csv_header_only", "CSV has a header but no data rows")
    if normalised == ["field", "value"]:
        return ExtractedDocument("csv", "csv_fields", None, _forms_from_field_rows(rows[1:]))
    return ExtractedDocument(
        "csv",
        "csv_table",
        None,
        table_header=header,
        table_rows=tuple(tuple(cell.strip() for cell in row) for row in rows[1:]),
    )


def _forms_from_field_rows(rows: list[list[str]]) -> tuple[FormPage, ...]:
    """`field,value` rows as forms: each `form` row after the first starts a new form."""
    forms: list[FormPage] = []
    fields: dict[str, str] = {}
    for row in rows:
        name, value = [*row, "", ""][:2]
        canonical = canonical_field(name)
        if canonical is None:
            continue
        if canonical == "form" and "form" in fields:
            forms.append(FormPage(form_type_of(fields["form"]), len(forms) + 1, fields))
            fields = {}
        fields[canonical] = value.strip()
    forms.append(FormPage(form_type_of(fields.get("form", "")), len(forms) + 1, fields))
    return tuple(forms)
