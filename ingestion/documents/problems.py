"""Why a document cannot be loaded with confidence, as a code and a sentence a person can act on.

A `DocumentProblem` stops the parsing of one file. Its `code` is stable (run
metadata counts files per code; tests and dashboards group by it); its `detail`
says what is wrong and where ("W-2 page 1: box 1 wages is not a number"), never
quoting a value that could identify someone; `reason(sha256)` adds where the
file is kept and what to do next (STYLE habit 8).
"""

from __future__ import annotations

# What a person should do about each kind of problem.
ACTIONS: dict[str, str] = {
    "unknown_client": "link the file to its upload in the app, then land it again",
    "empty_file": "ask the client to upload the document again",
    "binary_file": "ask the client for the PDF or CSV export of the document",
    "nul_character": "export the document again (a NUL byte is not text and cannot be stored)",
    "not_utf8_text": "save the CSV as UTF-8 and upload it again",
    "html_not_csv": "the download failed (an HTML page was saved); export the CSV again",
    "not_a_pdf": "ask the client for the PDF itself (the file is not one)",
    "truncated_pdf": "the upload was cut off; ask the client to upload the PDF again",
    "unreadable_pdf": "ask the client to download the PDF again from the issuer",
    "encrypted_pdf": "ask the client for a copy without a password",
    "image_only_pdf": "ask for the issuer's text PDF or CSV (a scan cannot be read reliably)",
    "pdf_without_pages": "ask the client to download the PDF again from the issuer",
    "unknown_form": "check the document type; only W-2, 1099-B, 1099-DIV and 1099-INT are read",
    "blank_form_fields": "the form was saved without its values; ask for a filled-in copy",
    "unknown_csv_layout": "only Carta and Shareworks grant exports and 409A histories are read; "
    "ask for one of those exports",
    "csv_wrong_delimiter": "export the CSV again with commas as separators",
    "csv_header_only": "the export is empty; export it again with the grants selected",
    "csv_duplicate_columns": "export the CSV again without edits (a column appears twice)",
    "missing_required_box": "ask the client for a complete copy of the form",
    "non_numeric_amount": "check the form with the client and upload a corrected copy",
    "negative_amount": "check the form with the client and upload a corrected copy",
    "negative_shares": "check the export with the client and upload a corrected copy",
    "unreadable_date": "check the dates with the client and upload a corrected copy",
    "malformed_tin": "check the SSN/TIN on the form with the client",
    "wrong_tax_year": "ask the client for the form of the expected tax year",
    "future_date": "check the dates with the client and upload a corrected copy",
    "mismatched_client": "confirm with the client whose document this is before using it",
    "totals_do_not_add_up": "ask the issuer or client for a corrected form",
    "withholding_exceeds_wages": "ask the issuer or client for a corrected form",
    "exercised_exceeds_granted": "check the export with the client and upload a corrected copy",
    "vesting_after_expiration": "check the grant dates with the client and the plan administrator",
    "unknown_grant_type": "only ISO, NSO and RSU grants are read; check the export with the client",
}


class DocumentProblem(ValueError):
    """A file that cannot be parsed with confidence; it goes to quarantine with this reason."""

    def __init__(self, code: str, detail: str) -> None:
        if code not in ACTIONS:
            raise ValueError(f"unknown document problem code {code!r}")
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def reason(self, file_sha256: str) -> str:
        """The quarantine reason: what is wrong, where the file is kept, what to do next."""
        return f"{self.detail}; file kept in quarantine as {file_sha256}; {ACTIONS[self.code]}"
