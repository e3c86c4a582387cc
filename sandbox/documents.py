"""The document landing area: the files clients upload (tax forms, equity exports).

One file per `document_uploads` row, in `documents/landing/`, as CSV, flattened PDF
(text with labels) or fillable PDF (AcroForm text fields named after the boxes).
PDFs are written directly in PDF 1.4 syntax (Helvetica, no embedded fonts): about
100x faster than a layout engine and byte-stable without timestamps. A share of the
files (`BROKEN_SHARE`) is deliberately broken in one of `BROKEN_KINDS` ways; the
truth file `truth/documents.csv` says which and why. A client holding a private-company
grant also uploads, with the grant export, the employer's 409A valuation history
(`fmv_409a_history`, CSV); it is derived from the market alone, drawn from no random
stream, and never broken.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BROKEN_SHARE = 0.1
LAYOUTS = ("csv", "pdf_flat", "pdf_fillable")

# Broken kinds and the quarantine reason a correct loader should give.
BROKEN_KINDS: dict[str, str] = {
    "empty_file": "file is empty",
    "truncated_pdf": "PDF is truncated (no end-of-file marker)",
    "not_a_pdf": "file named .pdf is not a PDF",
    "encrypted_pdf": "PDF is encrypted",
    "image_only_pdf": "PDF has no text layer (image-only scan)",
    "pdf_without_pages": "PDF has no pages",
    "unknown_pdf_form": "PDF is not a known form",
    "blank_fillable_fields": "fillable PDF has empty required fields",
    "unknown_csv_layout": "CSV header matches no known layout",
    "csv_wrong_delimiter": "CSV uses ';' as delimiter",
    "csv_header_only": "CSV has a header but no data rows",
    "csv_duplicate_columns": "CSV repeats a column",
    "html_instead_of_csv": "file named .csv is HTML",
    "binary_garbage": "file is binary garbage",
    "invalid_utf8": "file is not valid UTF-8",
    "missing_required_box": "a required box is missing",
    "non_numeric_amount": "an amount is not a number",
    "negative_amount": "an amount that cannot be negative is negative",
    "wrong_tax_year": "tax year is not the expected one",
    "future_date": "a date lies in the future",
    "negative_shares": "share count is negative",
    "mismatched_client": "document belongs to another person",
    "totals_do_not_add_up": "totals do not equal the sum of the lines",
    "withholding_exceeds_wages": "federal withholding exceeds wages",
    "malformed_ssn": "SSN is malformed",
    "vesting_after_expiration": "vesting starts after the grant expires",
}


PDF_FILE_KINDS = (
    "empty_file",
    "truncated_pdf",
    "not_a_pdf",
    "encrypted_pdf",
    "image_only_pdf",
    "pdf_without_pages",
    "unknown_pdf_form",
    "binary_garbage",
)
CSV_FILE_KINDS = (
    "empty_file",
    "unknown_csv_layout",
    "csv_wrong_delimiter",
    "csv_header_only",
    "csv_duplicate_columns",
    "html_instead_of_csv",
    "binary_garbage",
    "invalid_utf8",
)
TAX_FORM_CONTENT_KINDS = (
    "missing_required_box",
    "non_numeric_amount",
    "negative_amount",
    "wrong_tax_year",
    "mismatched_client",
    "malformed_ssn",
)
CONTENT_KINDS_BY_TYPE = {
    "w2": (*TAX_FORM_CONTENT_KINDS, "withholding_exceeds_wages"),
    "1099_b": (*TAX_FORM_CONTENT_KINDS, "totals_do_not_add_up", "future_date"),
    "1099_div": TAX_FORM_CONTENT_KINDS,
    "1099_int": TAX_FORM_CONTENT_KINDS,
    "equity_grant_export": (
        "negative_shares",
        "future_date",
        "mismatched_client",
        "vesting_after_expiration",
        "non_numeric_amount",
    ),
}


def applicable_kinds(document_type: str, layout: str) -> tuple[str, ...]:
    """Broken kinds that make sense for this document type and layout."""
    file_kinds = PDF_FILE_KINDS if layout.startswith("pdf") else CSV_FILE_KINDS
    extra = ("blank_fillable_fields",) if layout == "pdf_fillable" else ()
    return (*file_kinds, *extra, *CONTENT_KINDS_BY_TYPE[document_type])


@dataclass(frozen=True)
class DocumentFile:
    """One landing-area file and its truth row."""

    file_name: str
    content: bytes
    truth_row: tuple[object, ...]


DOCUMENT_TRUTH_COLUMNS: tuple[str, ...] = (
    "file_name",
    "upload_id",
    "client_id",
    "document_type",
    "layout",
    "tax_year",
    "is_broken",
    "broken_kind",
    "expected_quarantine_reason",
    "sha256",
)


# -- PDF writing -------------------------------------------------------------------------
def _pdf_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return "(" + escaped.encode("latin-1", "replace").decode("latin-1") + ")"


def build_pdf(
    pages: list[list[str]],
    fields: list[list[tuple[str, str]]] | None = None,
    draw_text: bool = True,
) -> bytes:
    """A PDF with one page per list of text lines; `fields` adds AcroForm text fields.

    `fields[page]` is a list of (field name, value) drawn as widgets below the text.
    """
    objects: list[str] = []

    def add(body: str) -> int:
        objects.append(body)
        return len(objects)

    catalog = add("")  # filled in below
    pages_id = add("")
    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    page_ids: list[int] = []
    field_ids: list[int] = []
    for number, lines in enumerate(pages):
        stream_lines = []
        if draw_text:
            stream_lines.append("BT /F1 10 Tf 54 740 Td 14 TL")
            stream_lines += [f"{_pdf_text(line)} Tj T*" for line in lines]
            stream_lines.append("ET")
        else:
            # A scan: shapes only, no text operators.
            stream_lines += [
                f"0.{i % 9} g 54 {700 - 30 * i} 400 18 re f" for i in range(len(lines))
            ]
        stream = "\n".join(stream_lines)
        contents = add(
            f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream"
        )
        page_id = len(objects) + 1
        widget_ids = []
        for index, (name, value) in enumerate((fields or [[]] * len(pages))[number]):
            top = 400 - 22 * index
            widget_ids.append(
                add(
                    f"<< /Type /Annot /Subtype /Widget /FT /Tx /T {_pdf_text(name)} "
                    f"/V {_pdf_text(value)} /Rect [300 {top} 540 {top + 18}] /P {page_id} 0 R "
                    f"/F 4 /DA (/F1 10 Tf 0 g) >>"
                )
            )
        field_ids += widget_ids
        annotations = f" /Annots [{' '.join(f'{w} 0 R' for w in widget_ids)}]" if widget_ids else ""
        page_ids.append(
            add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 {font} 0 R >> >> "
                f"/Contents {contents} 0 R{annotations} >>"
            )
        )
    acro = ""
    if field_ids:
        form = add(
            f"<< /Fields [{' '.join(f'{f} 0 R' for f in field_ids)}] "
            f"/DA (/F1 10 Tf 0 g) /DR << /Font << /F1 {font} 0 R >> >> >>"
        )
        acro = f" /AcroForm {form} 0 R"
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R{acro} >>"
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects[pages_id - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>"

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _csv_bytes(rows: list[list[object]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# -- form contents ---------------------------------------------------------------------
W2_BOXES: tuple[tuple[str, str, str], ...] = (
    # (field name, label on the form, column of truth/w2.csv)
    ("box1_wages", "Box 1 Wages, tips, other compensation", "box1_wages_usd"),
    (
        "box2_federal_withholding",
        "Box 2 Federal income tax withheld",
        "box2_federal_withholding_usd",
    ),
    ("box3_social_security_wages", "Box 3 Social security wages", "box3_social_security_wages_usd"),
    (
        "box4_social_security_tax",
        "Box 4 Social security tax withheld",
        "box4_social_security_tax_usd",
    ),
    ("box5_medicare_wages", "Box 5 Medicare wages and tips", "box5_medicare_wages_usd"),
    ("box6_medicare_tax", "Box 6 Medicare tax withheld", "box6_medicare_tax_usd"),
    ("box12_code_d", "Box 12 Code D", "box12_code_d_usd"),
    ("box12_code_w", "Box 12 Code W", "box12_code_w_usd"),
    ("box14_rsu", "Box 14 RSU", "box14_rsu_income_usd"),
    ("box15_state", "Box 15 State", "box15_state"),
    ("box16_state_wages", "Box 16 State wages", "box16_state_wages_usd"),
    ("box17_state_tax", "Box 17 State income tax", "box17_state_tax_usd"),
)


def _ein(employer_name: str) -> str:
    """A stable, fictional employer identification number (NN-NNNNNNN)."""
    number = int(hashlib.sha256(employer_name.encode()).hexdigest()[:12], 16)
    return f"{10 + number % 89:02d}-{number // 89 % 10_000_000:07d}"


@dataclass(frozen=True)
class Person:
    client_id: str
    full_name: str
    ssn: str
    address: str


def _form_fields(
    document_type: str, person: Person, tax_year: int, forms: dict[str, list[dict[str, str]]]
) -> tuple[str, list[list[tuple[str, str]]]]:
    """(title, pages of (field, value)) of one tax form document."""
    header = [
        ("tax_year", str(tax_year)),
        ("recipient_name", person.full_name),
        ("recipient_tin", person.ssn),
    ]
    if document_type == "w2":
        w2 = forms["w2"][0]
        page = [
            ("form", "W-2"),
            *header,
            ("employer_name", w2["employer_name"]),
            ("employer_ein", _ein(w2["employer_name"])),
        ]
        page += [(name, w2[column]) for name, _, column in W2_BOXES]
        return "Form W-2 Wage and Tax Statement", [page]
    if document_type == "1099_div":
        pages = [
            [
                ("form", "1099-DIV"),
                *header,
                ("account_id", row["account_id"][-4:]),
                ("box1a_ordinary_dividends", row["box1a_ordinary_dividends_usd"]),
                ("box1b_qualified_dividends", row["box1b_qualified_dividends_usd"]),
                ("box2a_capital_gain_distributions", row["box2a_capital_gain_distributions_usd"]),
            ]
            for row in forms["1099_div"]
        ]
        return "Form 1099-DIV Dividends and Distributions", pages
    if document_type == "1099_int":
        pages = [
            [
                ("form", "1099-INT"),
                *header,
                ("account_id", row["account_id"][-4:]),
                ("box1_interest", row["box1_interest_usd"]),
            ]
            for row in forms["1099_int"]
        ]
        return "Form 1099-INT Interest Income", pages
    # 1099-B: one page per sale, then a totals page.
    pages = []
    for number, row in enumerate(forms["1099_b"], start=1):
        pages.append(
            [
                ("form", "1099-B"),
                *header,
                ("line", str(number)),
                ("account_id", row["account_id"][-4:]),
                ("description", row["description"]),
                ("date_acquired", row["date_acquired"]),
                ("date_sold", row["date_sold"]),
                ("proceeds", row["proceeds_usd"]),
                ("cost_basis", row["cost_basis_usd"]),
                ("wash_sale_loss_disallowed", row["wash_sale_loss_disallowed_usd"]),
                ("term", row["term"]),
                ("covered", row["is_covered"]),
            ]
        )
    proceeds = sum(round(float(r["proceeds_usd"]) * 100) for r in forms["1099_b"])
    basis = sum(round(float(r["cost_basis_usd"]) * 100) for r in forms["1099_b"])
    pages.append(
        [
            ("form", "1099-B"),
            *header,
            ("total_proceeds", f"{proceeds / 100:.2f}"),
            ("total_cost_basis", f"{basis / 100:.2f}"),
        ]
    )
    return "Form 1099-B Proceeds From Broker Transactions", pages


CARTA_COLUMNS = (
    "Grant ID",
    "Stakeholder Name",
    "Grant Type",
    "Grant Date",
    "Quantity Granted",
    "Exercise Price",
    "Vesting Start Date",
    "Vesting Schedule",
    "Cliff (Months)",
    "Quantity Exercised",
    "Expiration Date",
    "Company",
)
SHAREWORKS_COLUMNS = (
    "Award Number",
    "Participant",
    "Award Type",
    "Award Date",
    "Shares Awarded",
    "Grant Price (USD)",
    "Vest Commencement",
    "Vest Period (Months)",
    "Cliff Period (Months)",
    "Shares Exercised",
    "Expiry",
    "Issuer",
)


def _is_iso(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-"


def _us_date(iso: str) -> str:
    return f"{iso[5:7]}/{iso[8:10]}/{iso[:4]}" if iso else ""


def _grant_rows(
    person: Person, grants: list[dict[str, str]], shareworks: bool
) -> list[list[object]]:
    if shareworks:
        rows: list[list[object]] = [list(SHAREWORKS_COLUMNS)]
        for g in grants:
            rows.append(
                [
                    g["grant_id"],
                    person.full_name,
                    g["grant_type"],
                    g["grant_date"],
                    g["shares_granted"],
                    g["strike_price_usd"] or "0.00",
                    g["vesting_start_date"],
                    g["vesting_months"],
                    g["cliff_months"],
                    g["exercised_shares"],
                    g["expiration_date"] or "",
                    g["employer_name"],
                ]
            )
        return rows
    rows = [list(CARTA_COLUMNS)]
    for g in grants:
        schedule = (
            f"{g['vesting_months']} months, {g['cliff_months']} month cliff, "
            f"{'monthly' if g['vest_frequency_months'] == '1' else 'quarterly'}"
        )
        rows.append(
            [
                g["grant_id"],
                person.full_name,
                g["grant_type"],
                g["grant_date"],
                g["shares_granted"],
                g["strike_price_usd"],
                g["vesting_start_date"],
                schedule,
                g["cliff_months"],
                g["exercised_shares"],
                g["expiration_date"],
                g["employer_name"],
            ]
        )
    return rows


FMV_409A_HISTORY_COLUMNS = ("Company", "Valuation Date", "FMV per Share (USD)")


def fmv_409a_history_csv(valuations: list[dict[str, str]]) -> bytes:
    """A 409A valuation history export from rows shaped like `truth/fmv_409a.csv`."""
    return _csv_bytes(
        [
            list(FMV_409A_HISTORY_COLUMNS),
            *(
                [v["employer_name"], v["valuation_date"], v["fmv_per_share_usd"]]
                for v in valuations
            ),
        ]
    )


def _break(
    kind: str,
    layout: str,
    fields: list[list[tuple[str, str]]],
    rows: list[list[object]],
    other: Person,
) -> tuple[list[list[tuple[str, str]]], list[list[object]]]:
    """Apply a content-level breakage to form fields (PDF) or rows (CSV)."""

    def edit_fields(change) -> list[list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
        return [[change(name, value) for name, value in page] for page in fields]

    amount_names = {"box1_wages", "box1a_ordinary_dividends", "box1_interest", "proceeds"}
    if kind == "missing_required_box":
        fields = [[(n, v) for n, v in page if n not in amount_names] for page in fields]
        rows = [row[1:] for row in rows] if rows else rows
    elif kind == "non_numeric_amount":
        fields = edit_fields(lambda n, v: (n, "N/A" if n in amount_names else v))
        if len(rows) > 1:
            rows[1][4] = "N/A"
    elif kind in {"negative_amount", "negative_shares"}:
        fields = edit_fields(lambda n, v: (n, f"-{v}" if n in amount_names else v))
        if len(rows) > 1:
            rows[1][4] = f"-{rows[1][4]}"
    elif kind == "wrong_tax_year":
        fields = edit_fields(lambda n, v: (n, str(int(v) - 3) if n == "tax_year" else v))
        if len(rows) > 1:
            rows[1][3] = "2015-01-15"
    elif kind == "future_date":
        fields = edit_fields(
            lambda n, v: (n, "2099-12-31" if n in {"date_sold", "tax_year"} else v)
        )
        if len(rows) > 1:
            rows[1][3] = "2099-01-01"
    elif kind == "mismatched_client":
        fields = edit_fields(
            lambda n, v: (
                n,
                {"recipient_name": other.full_name, "recipient_tin": other.ssn}.get(n, v),
            )
        )
        if len(rows) > 1:
            rows[1][1] = other.full_name
    elif kind == "totals_do_not_add_up":
        fields = edit_fields(
            lambda n, v: (
                n,
                f"{float(v) + 1234.56:.2f}"
                if n
                in {"total_proceeds", "box1_wages", "box1a_ordinary_dividends", "box1_interest"}
                else v,
            )
        )
        if len(rows) > 1:
            rows[1][4] = str(int(float(str(rows[1][4]))) * 2)
    elif kind == "withholding_exceeds_wages":
        fields = edit_fields(
            lambda n, v: (n, "9999999.00" if n == "box2_federal_withholding" else v)
        )
        if len(rows) > 1:
            rows[1][9] = str(int(float(str(rows[1][4]))) + 1000)  # exercised > granted
    elif kind == "malformed_ssn":
        fields = edit_fields(lambda n, v: (n, "12-345-678" if n == "recipient_tin" else v))
    elif kind == "vesting_after_expiration":
        if len(rows) > 1:
            rows[1][6] = "2099-01-01"
        fields = edit_fields(lambda n, v: (n, "" if n == "form" else v))
    elif kind == "blank_fillable_fields":
        fields = edit_fields(lambda n, v: (n, "" if n not in {"form"} else v))
    return fields, rows


def _render(layout: str, title: str, fields: list[list[tuple[str, str]]]) -> bytes:
    if layout == "csv":
        return _csv_bytes([["field", "value"], *([n, v] for page in fields for n, v in page)])
    labels = {name: label for name, label, _ in W2_BOXES}
    text_pages = [
        [title] + [f"{labels.get(n, n.replace('_', ' ').title())}: {v}" for n, v in page]
        for page in fields
    ]
    if layout == "pdf_fillable":
        return build_pdf([[title] for _ in fields], fields)
    return build_pdf(text_pages)


def client_documents(
    uploads: list[tuple[object, ...]],
    person: Person,
    other_person: Callable[[], Person],
    forms: dict[str, list[dict[str, str]]],
    rng: np.random.Generator,
    broken_share: float = BROKEN_SHARE,
) -> list[DocumentFile]:
    """Files of one client's uploads (rows of document_uploads), some broken."""
    files = []
    for upload in uploads:
        upload_id, client_id, document_type, tax_year, file_name = upload[:5]
        if document_type == "fmv_409a_history":
            # Never broken and drawn from no random stream: adding it shifts no other file.
            content = fmv_409a_history_csv(forms["fmv_409a"])
            truth = (
                file_name,
                upload_id,
                client_id,
                document_type,
                "fmv_409a_csv",
                tax_year,
                "false",
                "",
                "",
                hashlib.sha256(content).hexdigest(),
            )
            files.append(DocumentFile(str(file_name), content, truth))
            continue
        is_pdf = str(file_name).endswith(".pdf")
        layout = ("pdf_fillable" if rng.random() < 0.5 else "pdf_flat") if is_pdf else "csv"
        shareworks = rng.random() < 0.4
        if document_type == "equity_grant_export":
            layout = "shareworks_csv" if shareworks else "carta_csv"
            is_pdf = False
        kinds = applicable_kinds(str(document_type), layout)
        broken = kinds[int(rng.integers(0, len(kinds)))] if rng.random() < broken_share else ""
        if document_type == "equity_grant_export":
            rows = _grant_rows(person, forms["grants"], shareworks)
            fields: list[list[tuple[str, str]]] = []
            other = other_person() if broken == "mismatched_client" else person
            fields, rows = _break(broken, layout, fields, rows, other)
            if shareworks:  # dates of this layout are MM/DD/YYYY
                rows = [rows[0]] + [
                    [_us_date(str(v)) if _is_iso(str(v)) else v for v in row] for row in rows[1:]
                ]
            content = _csv_bytes(rows)
        else:
            title, fields = _form_fields(str(document_type), person, int(tax_year), forms)  # type: ignore[call-overload]
            other = other_person() if broken == "mismatched_client" else person
            fields, _ = _break(broken, layout, fields, [], other)
            content = _render(layout, title, fields)
        content = _break_file(broken, content, is_pdf, layout, rng)
        truth = (
            file_name,
            upload_id,
            client_id,
            document_type,
            layout,
            tax_year,
            "true" if broken else "false",
            broken,
            BROKEN_KINDS.get(broken, ""),
            hashlib.sha256(content).hexdigest(),
        )
        files.append(DocumentFile(str(file_name), content, truth))
    return files


def _break_file(
    kind: str, content: bytes, is_pdf: bool, layout: str, rng: np.random.Generator
) -> bytes:
    """File-level breakage (format, encoding, truncation)."""
    if kind == "empty_file":
        return b""
    if kind == "binary_garbage":
        return rng.bytes(512)
    if kind == "invalid_utf8":
        return b"\xff\xfe\x00" + content.replace(b"a", b"\xe9")
    if is_pdf:
        if kind == "truncated_pdf":
            return content[: len(content) // 2]
        if kind == "not_a_pdf":
            return b"field,value\nthis,is a csv\n"
        if kind == "encrypted_pdf":
            return _encrypt_pdf(content)
        if kind == "image_only_pdf":
            return build_pdf([["x"] * 12], None, draw_text=False)
        if kind == "pdf_without_pages":
            return build_pdf([])
        if kind == "unknown_pdf_form":
            return build_pdf([["Pacific Power", "Account statement", "Amount due: 84.12"]])
        return content
    if kind == "unknown_csv_layout":
        return b"colA,colB,colC\n1,2,3\n"
    if kind == "csv_wrong_delimiter":
        return content.replace(b",", b";")
    if kind == "csv_header_only":
        return content.split(b"\n", 1)[0] + b"\n"
    if kind == "csv_duplicate_columns":
        lines = content.split(b"\n")
        return b"\n".join([lines[0] + b"," + lines[0].split(b",")[0], *lines[1:]])
    if kind == "html_instead_of_csv":
        return b"<!DOCTYPE html><html><body><h1>Session expired</h1></body></html>\n"
    return content


def _encrypt_pdf(content: bytes) -> bytes:
    """Mark the PDF as encrypted with a password (Standard handler, RC4 40-bit).

    The keys are fixed, so the file is byte-stable; readers see an encrypted
    document they cannot open without the password, which is what a loader meets.
    """
    trailer_at = content.rindex(b"trailer")
    start_xref = content.rindex(b"startxref")
    size = int(content[trailer_at:].split(b"/Size ")[1].split(b" ")[0])
    encrypt_object = (
        f"{size} 0 obj\n<< /Filter /Standard /V 1 /R 2 /P -44 "
        f"/O <{'7a' * 32}> /U <{'5c' * 32}> >>\nendobj\n"
    ).encode()
    body = content[:trailer_at]
    xref_at = body.rindex(b"xref")
    offset = xref_at
    xref_lines = body[xref_at:].split(b"\n")
    entries = [line for line in xref_lines[2:] if line]
    new_body = body[:xref_at] + encrypt_object
    xref = (
        f"xref\n0 {size + 1}\n".encode()
        + b"\n".join(entries)
        + b"\n"
        + f"{offset:010d} 00000 n \n".encode()
    )
    root = content[trailer_at:start_xref].split(b"/Root ")[1].split(b" R")[0].decode()
    trailer = (
        f"trailer\n<< /Size {size + 1} /Root {root} R /Encrypt {size} 0 R "
        f"/ID [<{'ab' * 16}> <{'ab' * 16}>] >>\nstartxref\n{len(new_body)}\n%%EOF\n"
    )
    return new_body + xref + trailer.encode()
