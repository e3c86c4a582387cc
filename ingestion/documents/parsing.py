"""One file's bytes to a typed document, or the `DocumentProblem` that sends it to quarantine.

Pure functions (no database, no storage): the loader, tests and benchmarks call
`parse_document` the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingestion.documents.extraction import ExtractedDocument, extract
from ingestion.documents.grants import (
    FMV_409A,
    EquityGrant,
    FmvValuation,
    parse_equity_grants,
    parse_fmv_history,
    table_layout,
)
from ingestion.documents.problems import DocumentProblem
from ingestion.documents.tax_forms import FormContext, ParsedTaxForms, parse_tax_forms


@dataclass
class ParsedDocument:
    """What a file holds, typed: tax forms, equity grants or a 409A history."""

    file_format: str
    layout: str
    page_count: int | None
    tax_forms: ParsedTaxForms = field(default_factory=ParsedTaxForms)
    equity_grants: list[EquityGrant] = field(default_factory=list)
    fmv_valuations: list[FmvValuation] = field(default_factory=list)

    @property
    def document_type(self) -> str:
        types = list(self.tax_forms.document_types)
        if self.equity_grants:
            types.append("equity_grant_export")
        if self.fmv_valuations:
            types.append("fmv_409a_history")
        return "+".join(types)

    @property
    def form_count(self) -> int:
        return self.tax_forms.form_count + len(self.equity_grants) + len(self.fmv_valuations)


def parse_document(content: bytes, claimed_extension: str, context: FormContext) -> ParsedDocument:
    """Detect, read, check and type one file; raises `DocumentProblem` (see problems.py)."""
    extracted = extract(content, claimed_extension)
    return interpret(extracted, context)


def interpret(extracted: ExtractedDocument, context: FormContext) -> ParsedDocument:
    if extracted.layout == "csv_table":
        layout = table_layout(extracted)
        parsed = ParsedDocument(extracted.file_format, layout.name, None)
        if layout is FMV_409A:
            parsed.fmv_valuations = parse_fmv_history(extracted, layout, context)
        else:
            parsed.equity_grants = parse_equity_grants(extracted, layout, context)
        return parsed
    if not extracted.forms:
        raise DocumentProblem("unknown_form", "file holds no form")
    return ParsedDocument(
        extracted.file_format,
        extracted.layout,
        extracted.page_count,
        tax_forms=parse_tax_forms(extracted.forms, context),
    )
