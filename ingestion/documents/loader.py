"""Loads the landing area's documents: archive, record, parse, quarantine — nothing lost.

`load_landed_documents` takes every file in the landing area, in batches:

1. reads it and hashes it (sha256); a content recorded before in
   `raw_documents.files` is skipped (its landing copy removed once the archive
   is known to hold it);
2. archives it encrypted under its sha256 (`DocumentArchive.store`, verified);
3. finds its upload record in the app database (client, claimed type, tax year)
   and parses it (`parsing.parse_document`); a `DocumentProblem` sends it to
   quarantine with its reason, an unknown client too;
4. writes, in one transaction per batch: its `raw_documents.files` row, its typed
   rows, and for a quarantined file a `quarantine.rejected_records` row whose
   reference is the sha256 (the file itself stays in the archive);
5. only after that commit, removes it from the landing area.

A file that cannot be archived (storage error) stays in landing and is counted
as failed; the rest of the run goes on. Re-running changes nothing: the landing
area is empty, or holds only contents already recorded.
Nothing here logs file names or form values: files are named by sha256.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import PurePosixPath
from typing import Any

from psycopg2.extensions import connection as Connection

from ingestion.documents.archive import ArchiveError, DocumentArchive, LandedFile, LandingArea
from ingestion.documents.extraction import ExtractedDocument, extract
from ingestion.documents.parsing import ParsedDocument, interpret
from ingestion.documents.problems import DocumentProblem
from ingestion.documents.tax_forms import ClientIdentity, FormContext, Recipient
from ingestion.load import (
    LoadResult,
    RejectedRecord,
    copy_insert_new,
    new_load_id,
    quarantine,
    record_load_end,
    record_load_start,
)
from privacy import EnvelopeCipher, Keyring, client_key

SOURCE_NAME = "documents"
TARGET_TABLE = "raw_documents.files"
BATCH_FILES = 250
"""Files per transaction: large enough to amortise COPY, small enough to lose little on a kill."""

LOAD_COLUMNS = ("_load_id", "_loaded_at")
FILE_COLUMNS = (
    "file_sha256",
    "upload_id",
    "client_id",
    "client_key",
    "original_file_name_encrypted",
    "claimed_document_type",
    "detected_document_type",
    "file_format",
    "layout",
    "size_bytes",
    "page_count",
    "form_count",
    "status",
    "quarantine_reason_code",
    "quarantine_reason",
    "archive_path",
    "received_at",
    "processed_at",
    *LOAD_COLUMNS,
)
RECIPIENT_COLUMNS = (
    "recipient_name_encrypted",
    "recipient_tin_encrypted",
    "recipient_tin_last4",
)
W2_COLUMNS = (
    "file_sha256",
    "form_number",
    "client_id",
    "client_key",
    "tax_year",
    *RECIPIENT_COLUMNS,
    "employer_name",
    "employer_ein",
    "box1_wages_usd",
    "box2_federal_withholding_usd",
    "box3_social_security_wages_usd",
    "box4_social_security_tax_usd",
    "box5_medicare_wages_usd",
    "box6_medicare_tax_usd",
    "box13_is_statutory_employee",
    "box13_has_retirement_plan",
    "box13_has_third_party_sick_pay",
    "box14_rsu_income_usd",
    "box15_state",
    "box16_state_wages_usd",
    "box17_state_tax_usd",
    *LOAD_COLUMNS,
)
W2_BOX12_COLUMNS = (
    "file_sha256",
    "form_number",
    "box12_code",
    "client_id",
    "client_key",
    "amount_usd",
    *LOAD_COLUMNS,
)
FORM_1099_B_COLUMNS = (
    "file_sha256",
    "line_number",
    "form_number",
    "client_id",
    "client_key",
    "tax_year",
    *RECIPIENT_COLUMNS,
    "account_id_last4",
    "description",
    "quantity",
    "date_acquired",
    "is_acquired_various",
    "date_sold",
    "proceeds_usd",
    "cost_basis_usd",
    "wash_sale_loss_disallowed_usd",
    "term",
    "is_covered",
    *LOAD_COLUMNS,
)
FORM_1099_DIV_COLUMNS = (
    "file_sha256",
    "form_number",
    "client_id",
    "client_key",
    "tax_year",
    *RECIPIENT_COLUMNS,
    "account_id_last4",
    "box1a_ordinary_dividends_usd",
    "box1b_qualified_dividends_usd",
    "box2a_capital_gain_distributions_usd",
    *LOAD_COLUMNS,
)
FORM_1099_INT_COLUMNS = (
    "file_sha256",
    "form_number",
    "client_id",
    "client_key",
    "tax_year",
    *RECIPIENT_COLUMNS,
    "account_id_last4",
    "box1_interest_usd",
    *LOAD_COLUMNS,
)
EQUITY_GRANT_COLUMNS = (
    "file_sha256",
    "grant_id",
    "row_number",
    "client_id",
    "client_key",
    "export_layout",
    "stakeholder_name_encrypted",
    "company_name",
    "grant_type",
    "grant_date",
    "shares_granted",
    "strike_price_usd",
    "vesting_start_date",
    "vesting_months",
    "cliff_months",
    "vest_frequency_months",
    "exercised_shares",
    "expiration_date",
    *LOAD_COLUMNS,
)
FMV_COLUMNS = (
    "file_sha256",
    "company_name",
    "valuation_date",
    "row_number",
    "client_id",
    "client_key",
    "fmv_per_share_usd",
    *LOAD_COLUMNS,
)
# Target table -> (columns, key columns), in foreign-key order.
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "raw_documents.files": (FILE_COLUMNS, ("file_sha256",)),
    "raw_documents.w2_forms": (W2_COLUMNS, ("file_sha256", "form_number")),
    "raw_documents.w2_box12_amounts": (
        W2_BOX12_COLUMNS,
        ("file_sha256", "form_number", "box12_code"),
    ),
    "raw_documents.form_1099_b_lines": (FORM_1099_B_COLUMNS, ("file_sha256", "line_number")),
    "raw_documents.form_1099_div": (FORM_1099_DIV_COLUMNS, ("file_sha256", "form_number")),
    "raw_documents.form_1099_int": (FORM_1099_INT_COLUMNS, ("file_sha256", "form_number")),
    "raw_documents.equity_grants": (EQUITY_GRANT_COLUMNS, ("file_sha256", "grant_id")),
    "raw_documents.fmv_409a_valuations": (
        FMV_COLUMNS,
        ("file_sha256", "company_name", "valuation_date"),
    ),
}

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadRecord:
    """The app's record of an upload: whose file it is, what and which year it claims to be."""

    upload_id: str
    client: ClientIdentity
    claimed_document_type: str | None
    tax_year: int | None


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landed file (by sha256; names may identify people)."""

    file_sha256: str
    status: str  # parsed | quarantined | skipped_seen_before | failed
    document_type: str | None = None
    quarantine_reason_code: str | None = None


@dataclass
class DocumentsLoad(LoadResult):
    """What one landing-area run did; the Dagster asset reports it as metadata."""

    files_seen: int = 0
    files_archived: int = 0
    files_parsed: int = 0
    files_skipped_seen_before: int = 0
    files_quarantined: int = 0
    files_failed: int = 0
    forms_by_type: Counter[str] = field(default_factory=Counter)
    rows_by_table: Counter[str] = field(default_factory=Counter)
    outcomes: list[FileOutcome] = field(default_factory=list)


@dataclass
class _Batch:
    rows: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {table: [] for table in TABLES}
    )
    rejected: list[RejectedRecord] = field(default_factory=list)
    done: list[LandedFile] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)


def load_landed_documents(
    landing: LandingArea,
    archive: DocumentArchive,
    warehouse: Connection,
    app_database: Connection,
    keyring: Keyring,
    *,
    today: date | None = None,
) -> DocumentsLoad:
    """Archive, record, parse and load every file in `landing`; see the module docstring."""
    result = DocumentsLoad(
        load_id=new_load_id(), source_name=SOURCE_NAME, target_table=TARGET_TABLE
    )
    landed = landing.files()
    result.files_seen = len(landed)
    if not landed:
        return result
    today = today or datetime.now(UTC).date()
    cipher = EnvelopeCipher(keyring)
    uploads = read_upload_records(app_database, [file.name for file in landed])
    record_load_start(warehouse, result)
    recorded_in_run: set[str] = set()
    try:
        for start in range(0, len(landed), BATCH_FILES):
            chunk = landed[start : start + BATCH_FILES]
            contents = _read_all(landing, chunk, result)
            seen = _seen_before(warehouse, [sha for sha, _ in contents.values()]) | recorded_in_run
            batch = _Batch()
            for file in chunk:
                if file.path not in contents:
                    continue
                file_sha256, content = contents[file.path]
                _process_file(
                    file,
                    file_sha256,
                    content,
                    seen,
                    uploads,
                    archive,
                    cipher,
                    keyring,
                    result,
                    batch,
                    today,
                )
                # The same content twice in one run is recorded once, like a re-delivery.
                seen.add(file_sha256)
                recorded_in_run.add(file_sha256)
            _write_batch(warehouse, cipher, result, batch)
            warehouse.commit()
            # Only now is every file of the batch archived and recorded.
            for file in batch.done:
                landing.remove(file)
            result.outcomes.extend(batch.outcomes)
        result.rows_read = result.files_seen
        result.rows_inserted = result.files_parsed + result.files_quarantined
        result.rows_quarantined = result.files_quarantined
        record_load_end(warehouse, result, "succeeded")
        warehouse.commit()
    except BaseException:
        warehouse.rollback()
        record_load_end(warehouse, result, "failed")
        warehouse.commit()
        raise
    return result


def read_upload_records(
    app_database: Connection, file_names: Sequence[str]
) -> dict[str, UploadRecord]:
    """Upload records by file name (the latest upload wins when a name was reused)."""
    with app_database.cursor() as cursor:
        cursor.execute(_sql_text("select_uploads.sql"), {"file_names": list(file_names)})
        found = cursor.fetchall()
    app_database.rollback()
    records = {}
    for file_name, upload_id, client_id, document_type, tax_year, first, last, ssn in found:
        digits = re.sub(r"\D", "", ssn or "")
        records[file_name] = UploadRecord(
            upload_id=upload_id,
            client=ClientIdentity(
                client_id=client_id,
                full_name=" ".join(part for part in (first, last) if part) or None,
                tin_digits=digits if len(digits) == 9 else None,
            ),
            claimed_document_type=document_type,
            tax_year=int(tax_year) if tax_year is not None else None,
        )
    return records


def _read_all(
    landing: LandingArea, chunk: Sequence[LandedFile], result: DocumentsLoad
) -> dict[str, tuple[str, bytes]]:
    contents = {}
    for file in chunk:
        try:
            content = landing.read(file)
        except OSError as error:
            result.files_failed += 1
            _log.warning(
                "a landed file could not be read (%s); it stays in landing", type(error).__name__
            )
            continue
        contents[file.path] = (hashlib.sha256(content).hexdigest(), content)
    return contents


def _seen_before(warehouse: Connection, file_sha256s: list[str]) -> set[str]:
    with warehouse.cursor() as cursor:
        cursor.execute(_sql_text("select_seen_files.sql"), {"file_sha256s": file_sha256s})
        seen = {row[0] for row in cursor.fetchall()}
    warehouse.rollback()
    return seen


def _process_file(
    file: LandedFile,
    file_sha256: str,
    content: bytes,
    seen: set[str],
    uploads: dict[str, UploadRecord],
    archive: DocumentArchive,
    cipher: EnvelopeCipher,
    keyring: Keyring,
    result: DocumentsLoad,
    batch: _Batch,
    today: date,
) -> None:
    try:
        archive_path = archive.store(file_sha256, content)
    except (ArchiveError, OSError) as error:
        result.files_failed += 1
        batch.outcomes.append(FileOutcome(file_sha256, "failed"))
        _log.warning(
            "document %s could not be archived (%s); it stays in landing", file_sha256, error
        )
        return
    if file_sha256 in seen:
        result.files_skipped_seen_before += 1
        batch.outcomes.append(FileOutcome(file_sha256, "skipped_seen_before"))
        batch.done.append(file)
        return
    result.files_archived += 1
    processed_at = datetime.now(UTC)
    upload = uploads.get(file.name)
    client = upload.client if upload else ClientIdentity(client_id="")
    context = FormContext(
        client=client, today=today, expected_tax_year=upload.tax_year if upload else None
    )
    extracted: ExtractedDocument | None = None
    parsed: ParsedDocument | None = None
    problem: DocumentProblem | None = None
    try:
        extracted = extract(content, PurePosixPath(file.name).suffix)
        parsed = interpret(extracted, context)
        if upload is None:
            raise DocumentProblem(
                "unknown_client",
                "no upload record in the app names this file, so its client is unknown",
            )
    except DocumentProblem as found:
        problem = found
    key = client_key(keyring.pepper, client.client_id) if upload else None
    load = (str(result.load_id), processed_at)
    batch.rows["raw_documents.files"].append(
        (
            file_sha256,
            upload.upload_id if upload else None,
            client.client_id or None,
            key,
            cipher.encrypt(file.name, "raw_documents.files.original_file_name"),
            upload.claimed_document_type if upload else None,
            parsed.document_type if parsed else None,
            extracted.file_format
            if extracted
            else ("pdf" if content.startswith(b"%PDF-") else "unknown"),
            parsed.layout if parsed else (extracted.layout if extracted else None),
            len(content),
            extracted.page_count if extracted else None,
            parsed.form_count if parsed and problem is None else 0,
            "quarantined" if problem else "parsed",
            problem.code if problem else None,
            problem.reason(file_sha256) if problem else None,
            archive_path,
            file.modified_at or processed_at,
            processed_at,
            *load,
        )
    )
    batch.done.append(file)
    if problem is not None:
        result.files_quarantined += 1
        result.quarantine_reasons[problem.code] += 1
        batch.rejected.append(RejectedRecord(file_sha256, problem.reason(file_sha256)))
        batch.outcomes.append(FileOutcome(file_sha256, "quarantined", None, problem.code))
        return
    assert parsed is not None and key is not None
    result.files_parsed += 1
    result.forms_by_type[parsed.document_type] += parsed.form_count
    batch.outcomes.append(FileOutcome(file_sha256, "parsed", parsed.document_type))
    _typed_rows(parsed, file_sha256, client.client_id, key, cipher, load, batch.rows)


def _typed_rows(
    parsed: ParsedDocument,
    file_sha256: str,
    client_id: str,
    key: str,
    cipher: EnvelopeCipher,
    load: tuple[str, datetime],
    rows: dict[str, list[tuple[Any, ...]]],
) -> None:
    owner = (client_id, key)

    def recipient(table: str, person: Recipient) -> tuple[Any, ...]:
        return (
            cipher.encrypt(person.name, f"{table}.recipient_name") if person.name else None,
            cipher.encrypt(person.tin, f"{table}.recipient_tin"),
            person.tin_last4,
        )

    forms = parsed.tax_forms
    for w2 in forms.w2:
        rows["raw_documents.w2_forms"].append(
            (
                file_sha256,
                w2.form_number,
                *owner,
                w2.tax_year,
                *recipient("raw_documents.w2_forms", w2.recipient),
                w2.employer_name,
                w2.employer_ein,
                w2.box1_wages_usd,
                w2.box2_federal_withholding_usd,
                w2.box3_social_security_wages_usd,
                w2.box4_social_security_tax_usd,
                w2.box5_medicare_wages_usd,
                w2.box6_medicare_tax_usd,
                w2.box13_is_statutory_employee,
                w2.box13_has_retirement_plan,
                w2.box13_has_third_party_sick_pay,
                w2.box14_rsu_income_usd,
                w2.box15_state,
                w2.box16_state_wages_usd,
                w2.box17_state_tax_usd,
                *load,
            )
        )
        for code, amount in sorted(w2.box12_amounts_usd.items()):
            rows["raw_documents.w2_box12_amounts"].append(
                (file_sha256, w2.form_number, code, *owner, amount, *load)
            )
    for line in forms.form_1099_b:
        rows["raw_documents.form_1099_b_lines"].append(
            (
                file_sha256,
                line.line_number,
                line.form_number,
                *owner,
                line.tax_year,
                *recipient("raw_documents.form_1099_b_lines", line.recipient),
                line.account_id_last4,
                line.description,
                line.quantity,
                line.date_acquired,
                line.is_acquired_various,
                line.date_sold,
                line.proceeds_usd,
                line.cost_basis_usd,
                line.wash_sale_loss_disallowed_usd,
                line.term,
                line.is_covered,
                *load,
            )
        )
    for div in forms.form_1099_div:
        rows["raw_documents.form_1099_div"].append(
            (
                file_sha256,
                div.form_number,
                *owner,
                div.tax_year,
                *recipient("raw_documents.form_1099_div", div.recipient),
                div.account_id_last4,
                div.box1a_ordinary_dividends_usd,
                div.box1b_qualified_dividends_usd,
                div.box2a_capital_gain_distributions_usd,
                *load,
            )
        )
    for interest in forms.form_1099_int:
        rows["raw_documents.form_1099_int"].append(
            (
                file_sha256,
                interest.form_number,
                *owner,
                interest.tax_year,
                *recipient("raw_documents.form_1099_int", interest.recipient),
                interest.account_id_last4,
                interest.box1_interest_usd,
                *load,
            )
        )
    for grant in parsed.equity_grants:
        rows["raw_documents.equity_grants"].append(
            (
                file_sha256,
                grant.grant_id,
                grant.row_number,
                *owner,
                grant.export_layout,
                cipher.encrypt(
                    grant.stakeholder_name, "raw_documents.equity_grants.stakeholder_name"
                )
                if grant.stakeholder_name
                else None,
                grant.company_name,
                grant.grant_type,
                grant.grant_date,
                grant.shares_granted,
                grant.strike_price_usd,
                grant.vesting_start_date,
                grant.vesting_months,
                grant.cliff_months,
                grant.vest_frequency_months,
                grant.exercised_shares,
                grant.expiration_date,
                *load,
            )
        )
    for valuation in parsed.fmv_valuations:
        rows["raw_documents.fmv_409a_valuations"].append(
            (
                file_sha256,
                valuation.company_name,
                valuation.valuation_date,
                valuation.row_number,
                *owner,
                valuation.fmv_per_share_usd,
                *load,
            )
        )


def _write_batch(
    warehouse: Connection, cipher: EnvelopeCipher, result: DocumentsLoad, batch: _Batch
) -> None:
    for table, (columns, key_columns) in TABLES.items():
        table_rows: Iterable[tuple[Any, ...]] = batch.rows[table]
        if not batch.rows[table]:
            continue
        inserted = copy_insert_new(
            warehouse, target_table=table, columns=columns, key_columns=key_columns, rows=table_rows
        )
        result.rows_by_table[table] += inserted
    if batch.rejected:
        quarantine(
            warehouse,
            cipher,
            load_id=result.load_id,
            source_name=SOURCE_NAME,
            records=batch.rejected,
        )


def _sql_text(file_name: str) -> str:
    return files("ingestion.documents").joinpath("sql", file_name).read_text()
