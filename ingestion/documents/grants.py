"""Equity exports as typed rows: grant exports (Carta, Shareworks layouts) and 409A histories.

The layout is decided by the header (normalised: lower case, letters and digits),
never by the file name. Each row is checked in this order, the first problem
sending the file to quarantine: required columns, numbers, negative share
counts, readable dates, vesting after expiration, dates in the future,
exercised above granted, grant type, and the stakeholder being the uploading
client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ingestion.documents.extraction import ExtractedDocument, normalise_label
from ingestion.documents.problems import DocumentProblem
from ingestion.documents.tax_forms import FormContext


@dataclass(frozen=True)
class TableLayout:
    """A vendor's CSV layout: canonical column -> header, which are required, date format."""

    name: str
    document_type: str
    columns: dict[str, str]
    required: tuple[str, ...]
    date_format: str

    def matches(self, normalised_header: set[str]) -> bool:
        return all(
            _synonym(normalise_label(self.columns[name])) in normalised_header
            for name in self.required
        )


CARTA = TableLayout(
    name="carta_csv",
    document_type="equity_grant_export",
    columns={
        "grant_id": "Grant ID",
        "stakeholder_name": "Stakeholder Name",
        "grant_type": "Grant Type",
        "grant_date": "Grant Date",
        "shares_granted": "Quantity Granted",
        "strike_price": "Exercise Price",
        "vesting_start_date": "Vesting Start Date",
        "vesting_schedule": "Vesting Schedule",
        "cliff_months": "Cliff (Months)",
        "exercised_shares": "Quantity Exercised",
        "expiration_date": "Expiration Date",
        "company_name": "Company",
    },
    required=(
        "grant_id",
        "grant_type",
        "grant_date",
        "shares_granted",
        "vesting_start_date",
        "vesting_schedule",
    ),
    date_format="%Y-%m-%d",
)
SHAREWORKS = TableLayout(
    name="shareworks_csv",
    document_type="equity_grant_export",
    columns={
        "grant_id": "Award Number",
        "stakeholder_name": "Participant",
        "grant_type": "Award Type",
        "grant_date": "Award Date",
        "shares_granted": "Shares Awarded",
        "strike_price": "Grant Price (USD)",
        "vesting_start_date": "Vest Commencement",
        "vesting_months": "Vest Period (Months)",
        "cliff_months": "Cliff Period (Months)",
        "exercised_shares": "Shares Exercised",
        "expiration_date": "Expiry",
        "company_name": "Issuer",
    },
    required=(
        "grant_id",
        "grant_type",
        "grant_date",
        "shares_granted",
        "vesting_start_date",
        "vesting_months",
        "cliff_months",
    ),
    date_format="%m/%d/%Y",
)
FMV_409A = TableLayout(
    name="fmv_409a_csv",
    document_type="fmv_409a_history",
    columns={
        "company_name": "Company",
        "valuation_date": "Valuation Date",
        "fmv_per_share": "FMV per Share (USD)",
    },
    required=("company_name", "valuation_date", "fmv_per_share"),
    date_format="%Y-%m-%d",
)
LAYOUTS = (CARTA, SHAREWORKS, FMV_409A)

# Other spellings of the same 409A columns seen in valuation reports and our own truth exports.
_HEADER_SYNONYMS = {
    normalise_label(text): canonical
    for canonical, texts in {
        "Company": ("Employer Name", "Issuer", "Company Name"),
        "Valuation Date": ("409A Valuation Date", "Effective Date"),
        "FMV per Share (USD)": (
            "FMV per Share USD",
            "FMV per Share",
            "Fair Market Value per Share",
            "Common Stock FMV",
        ),
    }.items()
    for text in texts
}

_SCHEDULE = re.compile(
    r"(?P<months>\d+)\s*months?.*?(?P<cliff>\d+)\s*months?\s*cliff(?:.*?(?P<frequency>monthly|quarterly|annually|yearly))?",
    re.IGNORECASE,
)
_FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "annually": 12, "yearly": 12}
GRANT_TYPES = frozenset({"ISO", "NSO", "RSU"})


@dataclass(frozen=True)
class EquityGrant:
    grant_id: str
    row_number: int
    export_layout: str
    stakeholder_name: str | None
    company_name: str | None
    grant_type: str
    grant_date: date
    shares_granted: Decimal
    strike_price_usd: Decimal | None
    vesting_start_date: date
    vesting_months: int
    cliff_months: int
    vest_frequency_months: int | None
    exercised_shares: Decimal | None
    expiration_date: date | None


@dataclass(frozen=True)
class FmvValuation:
    company_name: str
    valuation_date: date
    row_number: int
    fmv_per_share_usd: Decimal


def table_layout(document: ExtractedDocument) -> TableLayout:
    """The known layout whose required columns the header has, else `unknown_csv_layout`."""
    header = {_synonym(normalise_label(cell)) for cell in document.table_header}
    for layout in LAYOUTS:
        if layout.matches(header):
            return layout
    raise DocumentProblem(
        "unknown_csv_layout",
        f"CSV header ({len(document.table_header)} columns) matches no known export layout",
    )


def parse_equity_grants(
    document: ExtractedDocument, layout: TableLayout, context: FormContext
) -> list[EquityGrant]:
    cells = _cell_reader(document, layout)
    grants = []
    for row_number, row in enumerate(document.table_rows, start=1):
        where = f"grant export row {row_number}"
        value = cells(row)
        for name in layout.required:
            if not value(name):
                raise DocumentProblem(
                    "missing_required_box", f"{where}: column {layout.columns[name]!r} is empty"
                )
        shares_granted = _number(value("shares_granted"), where, layout.columns["shares_granted"])
        exercised = _optional_number(value("exercised_shares"), where, layout, "exercised_shares")
        strike = _optional_number(value("strike_price"), where, layout, "strike_price")
        for count, name in ((shares_granted, "shares_granted"), (exercised, "exercised_shares")):
            if count is not None and count < 0:
                raise DocumentProblem(
                    "negative_shares", f"{where}: {layout.columns[name]!r} is negative"
                )
        if strike is not None and strike < 0:
            raise DocumentProblem(
                "negative_amount", f"{where}: {layout.columns['strike_price']!r} is negative"
            )
        grant_date = _date(value("grant_date"), where, layout, "grant_date")
        vesting_start = _date(value("vesting_start_date"), where, layout, "vesting_start_date")
        expiration = (
            _date(value("expiration_date"), where, layout, "expiration_date")
            if value("expiration_date")
            else None
        )
        if expiration is not None and vesting_start > expiration:
            raise DocumentProblem(
                "vesting_after_expiration",
                f"{where}: vesting starts {vesting_start.isoformat()}, after the grant expires "
                f"{expiration.isoformat()}",
            )
        for moment, name in ((grant_date, "grant_date"), (vesting_start, "vesting_start_date")):
            if moment > context.today:
                raise DocumentProblem(
                    "future_date",
                    f"{where}: {layout.columns[name]!r} {moment.isoformat()} lies in the future",
                )
        if exercised is not None and exercised > shares_granted:
            raise DocumentProblem(
                "exercised_exceeds_granted", f"{where}: more shares exercised than granted"
            )
        grant_type = value("grant_type").upper()
        if grant_type not in GRANT_TYPES:
            raise DocumentProblem(
                "unknown_grant_type", f"{where}: grant type is not ISO, NSO or RSU"
            )
        stakeholder = value("stakeholder_name") or None
        if (
            stakeholder
            and context.client.full_name
            and _same_name(stakeholder, context.client.full_name) is False
        ):
            raise DocumentProblem(
                "mismatched_client", f"{where}: the stakeholder is not the uploading client"
            )
        vesting_months, cliff_months, frequency = _vesting(value, where, layout)
        grants.append(
            EquityGrant(
                grant_id=value("grant_id"),
                row_number=row_number,
                export_layout=layout.name,
                stakeholder_name=stakeholder,
                company_name=value("company_name") or None,
                grant_type=grant_type,
                grant_date=grant_date,
                shares_granted=shares_granted,
                strike_price_usd=strike,
                vesting_start_date=vesting_start,
                vesting_months=vesting_months,
                cliff_months=cliff_months,
                vest_frequency_months=frequency,
                exercised_shares=exercised,
                expiration_date=expiration,
            )
        )
    return grants


def parse_fmv_history(
    document: ExtractedDocument, layout: TableLayout, context: FormContext
) -> list[FmvValuation]:
    cells = _cell_reader(document, layout)
    valuations = []
    for row_number, row in enumerate(document.table_rows, start=1):
        where = f"409A history row {row_number}"
        value = cells(row)
        for name in layout.required:
            if not value(name):
                raise DocumentProblem(
                    "missing_required_box", f"{where}: column {layout.columns[name]!r} is empty"
                )
        fmv = _number(value("fmv_per_share"), where, layout.columns["fmv_per_share"])
        if fmv < 0:
            raise DocumentProblem("negative_amount", f"{where}: the FMV per share is negative")
        valuation_date = _date(value("valuation_date"), where, layout, "valuation_date")
        if valuation_date > context.today:
            raise DocumentProblem(
                "future_date",
                f"{where}: valuation date {valuation_date.isoformat()} lies in the future",
            )
        valuations.append(FmvValuation(value("company_name"), valuation_date, row_number, fmv))
    return valuations


# -- cells -------------------------------------------------------------------------------
def _synonym(normalised: str) -> str:
    canonical = _HEADER_SYNONYMS.get(normalised)
    return normalise_label(canonical) if canonical else normalised


def _cell_reader(document: ExtractedDocument, layout: TableLayout):  # type: ignore[no-untyped-def]
    positions = {
        _synonym(normalise_label(cell)): index for index, cell in enumerate(document.table_header)
    }
    index_of = {
        name: positions.get(_synonym(normalise_label(header)))
        for name, header in layout.columns.items()
    }

    def cells(row: tuple[str, ...]):  # type: ignore[no-untyped-def]
        def value(name: str) -> str:
            index = index_of.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        return value

    return cells


def _number(text: str, where: str, column: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        raise DocumentProblem(
            "non_numeric_amount", f"{where}: {column!r} is not a number"
        ) from None
    if not value.is_finite():
        raise DocumentProblem("non_numeric_amount", f"{where}: {column!r} is not a number")
    return value


def _optional_number(text: str, where: str, layout: TableLayout, name: str) -> Decimal | None:
    return _number(text, where, layout.columns[name]) if text else None


def _date(text: str, where: str, layout: TableLayout, name: str) -> date:
    # The layout's own format first; ISO dates are accepted from any vendor.
    for pattern in (layout.date_format, "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise DocumentProblem(
        "unreadable_date",
        f"{where}: {layout.columns[name]!r} is not a date in {layout.date_format}",
    )


def _vesting(value, where: str, layout: TableLayout) -> tuple[int, int, int | None]:  # type: ignore[no-untyped-def]
    if "vesting_schedule" in layout.columns and value("vesting_schedule"):
        schedule = _SCHEDULE.search(value("vesting_schedule"))
        if schedule is None:
            raise DocumentProblem(
                "unknown_csv_layout",
                f"{where}: the vesting schedule is not written as "
                "'<N> months, <M> month cliff, monthly|quarterly'",
            )
        frequency = schedule.group("frequency")
        return (
            int(schedule.group("months")),
            int(schedule.group("cliff")),
            _FREQUENCY_MONTHS[frequency.lower()] if frequency else None,
        )
    months = _number(value("vesting_months"), where, layout.columns["vesting_months"])
    cliff = _number(value("cliff_months"), where, layout.columns["cliff_months"])
    return int(months), int(cliff), None


def _same_name(written: str, known: str) -> bool:
    def words(text: str) -> list[str]:
        return re.sub(r"[^\w\s]", "", text.casefold()).split()

    return words(written) == words(known)
