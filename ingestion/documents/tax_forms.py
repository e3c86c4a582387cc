"""Turns extracted tax-form pages into typed W-2, 1099-B, 1099-DIV and 1099-INT records.

Every page is checked before anything is accepted, in this order, and the first
problem sends the whole file to quarantine (a file is loaded entirely or not at
all): known form, values present at all (a fillable PDF saved blank), dates in
the future, required boxes, amounts that are numbers, amounts that cannot be
negative, SSN/TIN format, tax year, recipient = the uploading client, then the
form's own arithmetic (W-2 withholding within wages, 1099-DIV qualified within
ordinary dividends, 1099-B totals = sum of the lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ingestion.documents.extraction import FormPage
from ingestion.documents.problems import DocumentProblem

FORM_TITLES = {"w2": "W-2", "1099_b": "1099-B", "1099_div": "1099-DIV", "1099_int": "1099-INT"}

# Human names of the boxes, for reasons ("W-2 page 1: box 1 wages is missing").
FIELD_NAMES = {
    "tax_year": "tax year",
    "recipient_tin": "recipient SSN/TIN",
    "employer_name": "employer name",
    "box1_wages": "box 1 wages",
    "box2_federal_withholding": "box 2 federal withholding",
    "box3_social_security_wages": "box 3 social security wages",
    "box4_social_security_tax": "box 4 social security tax",
    "box5_medicare_wages": "box 5 Medicare wages",
    "box6_medicare_tax": "box 6 Medicare tax",
    "box14_rsu": "box 14 RSU income",
    "box16_state_wages": "box 16 state wages",
    "box17_state_tax": "box 17 state tax",
    "box1a_ordinary_dividends": "box 1a ordinary dividends",
    "box1b_qualified_dividends": "box 1b qualified dividends",
    "box2a_capital_gain_distributions": "box 2a capital gain distributions",
    "box1_interest": "box 1 interest",
    "description": "description",
    "date_sold": "date sold",
    "date_acquired": "date acquired",
    "proceeds": "proceeds",
    "cost_basis": "cost basis",
    "wash_sale_loss_disallowed": "wash sale loss disallowed",
    "total_proceeds": "total proceeds",
    "total_cost_basis": "total cost basis",
}

W2_REQUIRED = (
    "tax_year",
    "recipient_tin",
    "employer_name",
    "box1_wages",
    "box2_federal_withholding",
    "box3_social_security_wages",
    "box4_social_security_tax",
    "box5_medicare_wages",
    "box6_medicare_tax",
)
REQUIRED_FIELDS = {
    "w2": W2_REQUIRED,
    "1099_div": ("tax_year", "recipient_tin", "box1a_ordinary_dividends"),
    "1099_int": ("tax_year", "recipient_tin", "box1_interest"),
    "1099_b_line": ("tax_year", "recipient_tin", "description", "date_sold", "proceeds"),
    "1099_b_totals": ("tax_year", "recipient_tin", "total_proceeds"),
}
AMOUNT_FIELDS = {
    "w2": (
        "box1_wages",
        "box2_federal_withholding",
        "box3_social_security_wages",
        "box4_social_security_tax",
        "box5_medicare_wages",
        "box6_medicare_tax",
        "box14_rsu",
        "box16_state_wages",
        "box17_state_tax",
    ),
    "1099_div": (
        "box1a_ordinary_dividends",
        "box1b_qualified_dividends",
        "box2a_capital_gain_distributions",
    ),
    "1099_int": ("box1_interest",),
    "1099_b_line": ("proceeds", "cost_basis", "wash_sale_loss_disallowed"),
    "1099_b_totals": ("total_proceeds", "total_cost_basis"),
}
DATE_FIELDS = ("date_acquired", "date_sold")
# Fields that say which form it is rather than what it holds.
_FRAME_FIELDS = frozenset({"form", "line"})
_TIN = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")
_MASKED_TIN = re.compile(r"^[*xX]{3}-?[*xX]{2}-?(\d{4})$")
_QUANTITY_IN_DESCRIPTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+SH\b", re.IGNORECASE)
_TRUE = frozenset({"true", "yes", "y", "x", "1", "checked", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "", "off"})


@dataclass(frozen=True)
class ClientIdentity:
    """What the loader knows of the uploading client, to check the document is theirs.

    Held in memory for one run only; never logged (its repr hides the values).
    """

    client_id: str
    full_name: str | None = field(default=None, repr=False)
    tin_digits: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class FormContext:
    """What a form is checked against: the client, the tax year of the upload, today."""

    client: ClientIdentity
    today: date
    expected_tax_year: int | None = None


@dataclass(frozen=True)
class Recipient:
    name: str | None = field(repr=False)
    tin: str = field(repr=False)  # digits, or a mask ending in the last 4
    tin_last4: str = ""


@dataclass(frozen=True)
class W2Form:
    form_number: int
    tax_year: int
    recipient: Recipient
    employer_name: str
    employer_ein: str | None
    box1_wages_usd: Decimal
    box2_federal_withholding_usd: Decimal
    box3_social_security_wages_usd: Decimal
    box4_social_security_tax_usd: Decimal
    box5_medicare_wages_usd: Decimal
    box6_medicare_tax_usd: Decimal
    box12_amounts_usd: dict[str, Decimal]
    box13_is_statutory_employee: bool | None
    box13_has_retirement_plan: bool | None
    box13_has_third_party_sick_pay: bool | None
    box14_rsu_income_usd: Decimal | None
    box15_state: str | None
    box16_state_wages_usd: Decimal | None
    box17_state_tax_usd: Decimal | None


@dataclass(frozen=True)
class Form1099BLine:
    line_number: int
    form_number: int
    tax_year: int
    recipient: Recipient
    account_id_last4: str | None
    description: str
    quantity: Decimal | None
    date_acquired: date | None
    is_acquired_various: bool
    date_sold: date
    proceeds_usd: Decimal
    cost_basis_usd: Decimal | None
    wash_sale_loss_disallowed_usd: Decimal | None
    term: str | None
    is_covered: bool | None


@dataclass(frozen=True)
class Form1099Div:
    form_number: int
    tax_year: int
    recipient: Recipient
    account_id_last4: str | None
    box1a_ordinary_dividends_usd: Decimal
    box1b_qualified_dividends_usd: Decimal | None
    box2a_capital_gain_distributions_usd: Decimal | None


@dataclass(frozen=True)
class Form1099Int:
    form_number: int
    tax_year: int
    recipient: Recipient
    account_id_last4: str | None
    box1_interest_usd: Decimal


@dataclass
class ParsedTaxForms:
    """The typed forms of one file."""

    w2: list[W2Form] = field(default_factory=list)
    form_1099_b: list[Form1099BLine] = field(default_factory=list)
    form_1099_div: list[Form1099Div] = field(default_factory=list)
    form_1099_int: list[Form1099Int] = field(default_factory=list)

    @property
    def document_types(self) -> list[str]:
        present = {
            "w2": self.w2,
            "1099_b": self.form_1099_b,
            "1099_div": self.form_1099_div,
            "1099_int": self.form_1099_int,
        }
        return [name for name, forms in present.items() if forms]

    @property
    def form_count(self) -> int:
        return (
            len(self.w2)
            + len({line.form_number for line in self.form_1099_b})
            + len(self.form_1099_div)
            + len(self.form_1099_int)
        )


def parse_tax_forms(pages: tuple[FormPage, ...], context: FormContext) -> ParsedTaxForms:
    """Check every page (see the module docstring) and build the typed forms of the file."""
    for page in pages:
        _check_page(page, context)
    parsed = ParsedTaxForms()
    totals: list[FormPage] = []
    line_number = 0
    for page in pages:
        values = page.fields
        recipient = _recipient(values)
        tax_year = int(values["tax_year"])
        if page.form_type == "w2":
            parsed.w2.append(_w2(page, tax_year, recipient))
        elif page.form_type == "1099_div":
            parsed.form_1099_div.append(
                Form1099Div(
                    form_number=page.page_number,
                    tax_year=tax_year,
                    recipient=recipient,
                    account_id_last4=_last4_or_none(values.get("account_id")),
                    box1a_ordinary_dividends_usd=_amount(values["box1a_ordinary_dividends"]),
                    box1b_qualified_dividends_usd=_optional_amount(
                        values, "box1b_qualified_dividends"
                    ),
                    box2a_capital_gain_distributions_usd=_optional_amount(
                        values, "box2a_capital_gain_distributions"
                    ),
                )
            )
        elif page.form_type == "1099_int":
            parsed.form_1099_int.append(
                Form1099Int(
                    form_number=page.page_number,
                    tax_year=tax_year,
                    recipient=recipient,
                    account_id_last4=_last4_or_none(values.get("account_id")),
                    box1_interest_usd=_amount(values["box1_interest"]),
                )
            )
        elif _is_totals_page(page):
            totals.append(page)
        else:
            line_number += 1
            parsed.form_1099_b.append(_1099_b_line(page, line_number, tax_year, recipient))
    _check_1099_b_totals(parsed.form_1099_b, totals)
    return parsed


# -- checks ------------------------------------------------------------------------------
def _where(page: FormPage) -> str:
    return f"{FORM_TITLES.get(page.form_type or '', 'form')} page {page.page_number}"


def _kind(page: FormPage) -> str:
    if page.form_type == "1099_b":
        return "1099_b_totals" if _is_totals_page(page) else "1099_b_line"
    return str(page.form_type)


def _is_totals_page(page: FormPage) -> bool:
    has_totals = "total_proceeds" in page.fields or "total_cost_basis" in page.fields
    return has_totals and "description" not in page.fields and "line" not in page.fields


def _check_page(page: FormPage, context: FormContext) -> None:
    if page.form_type is None:
        raise DocumentProblem(
            "unknown_form", f"page {page.page_number} is not a known form (no W-2 or 1099 title)"
        )
    where = _where(page)
    values = page.fields
    if not any(value for name, value in values.items() if name not in _FRAME_FIELDS):
        raise DocumentProblem("blank_form_fields", f"{where}: every field of the form is empty")
    kind = _kind(page)
    _check_future_dates(page, context.today)
    for name in REQUIRED_FIELDS[kind]:
        if not values.get(name):
            raise DocumentProblem(
                "missing_required_box", f"{where}: {FIELD_NAMES.get(name, name)} is missing"
            )
    amounts = AMOUNT_FIELDS[kind] + tuple(name for name in values if name.startswith("box12_code_"))
    for name in amounts:
        if values.get(name):
            try:
                _amount(values[name])
            except InvalidOperation:
                raise DocumentProblem(
                    "non_numeric_amount",
                    f"{where}: {_field_name(name)} is not a number",
                ) from None
    for name in amounts:
        if values.get(name) and _amount(values[name]) < 0:
            raise DocumentProblem(
                "negative_amount", f"{where}: {_field_name(name)} is negative, which it cannot be"
            )
    tin = values["recipient_tin"]
    if not (_TIN.match(tin) or _MASKED_TIN.match(tin)):
        raise DocumentProblem(
            "malformed_tin", f"{where}: recipient SSN/TIN is not nine digits (NNN-NN-NNNN)"
        )
    _check_tax_year(page, context)
    _check_recipient(page, context.client)
    if page.form_type == "w2":
        wages = _amount(values["box1_wages"])
        if _amount(values["box2_federal_withholding"]) > wages:
            raise DocumentProblem(
                "withholding_exceeds_wages",
                f"{where}: box 2 federal withholding exceeds box 1 wages",
            )
    if page.form_type == "1099_div":
        qualified = _optional_amount(values, "box1b_qualified_dividends")
        if qualified is not None and qualified > _amount(values["box1a_ordinary_dividends"]):
            raise DocumentProblem(
                "totals_do_not_add_up",
                f"{where}: box 1b qualified dividends exceed box 1a ordinary dividends",
            )
    for name in DATE_FIELDS:
        value = values.get(name, "")
        if value and not _is_various(value) and _parse_date(value) is None:
            raise DocumentProblem("unreadable_date", f"{where}: {_field_name(name)} is not a date")


def _field_name(name: str) -> str:
    if name.startswith("box12_code_"):
        return f"box 12 code {name.removeprefix('box12_code_').upper()}"
    return FIELD_NAMES.get(name, name)


def _check_future_dates(page: FormPage, today: date) -> None:
    where = _where(page)
    for name in (*DATE_FIELDS, "tax_year"):
        value = page.fields.get(name, "")
        moment = _parse_date(value) if value else None
        if moment is not None and moment > today:
            raise DocumentProblem(
                "future_date",
                f"{where}: {_field_name(name)} {moment.isoformat()} lies in the future",
            )
    year = page.fields.get("tax_year", "")
    if year.isdigit() and int(year) > today.year:
        raise DocumentProblem("future_date", f"{where}: tax year {year} lies in the future")


def _check_tax_year(page: FormPage, context: FormContext) -> None:
    where = _where(page)
    year = page.fields["tax_year"]
    if not (year.isdigit() and len(year) == 4):
        raise DocumentProblem("wrong_tax_year", f"{where}: tax year is not a four-digit year")
    if context.expected_tax_year is not None and int(year) != context.expected_tax_year:
        raise DocumentProblem(
            "wrong_tax_year",
            f"{where}: tax year {year} is not the uploaded tax year {context.expected_tax_year}",
        )


def _check_recipient(page: FormPage, client: ClientIdentity) -> None:
    if client.tin_digits is None:
        return
    tin = page.fields["recipient_tin"]
    full = _TIN.match(tin)
    digits = "".join(full.groups()) if full else None
    matches = digits == client.tin_digits if digits else tin[-4:] == client.tin_digits[-4:]
    if not matches:
        raise DocumentProblem(
            "mismatched_client",
            f"{_where(page)}: the recipient SSN/TIN is not the uploading client's",
        )


def _check_1099_b_totals(lines: list[Form1099BLine], totals: list[FormPage]) -> None:
    for page in totals:
        for total_field, line_attribute in (
            ("total_proceeds", "proceeds_usd"),
            ("total_cost_basis", "cost_basis_usd"),
        ):
            if not page.fields.get(total_field):
                continue
            stated = _amount(page.fields[total_field])
            summed = sum(
                (getattr(line, line_attribute) or Decimal(0) for line in lines), Decimal(0)
            )
            if stated != summed:
                raise DocumentProblem(
                    "totals_do_not_add_up",
                    f"{_where(page)}: {FIELD_NAMES[total_field]} differs from the sum of the "
                    f"{len(lines)} lines by {abs(stated - summed)} USD",
                )


# -- values ------------------------------------------------------------------------------
def _amount(text: str) -> Decimal:
    cleaned = text.replace("$", "").replace(",", "").replace(" ", "")
    if cleaned.startswith("(") and cleaned.endswith(")"):  # accounting notation
        cleaned = "-" + cleaned[1:-1]
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation
    return value


def _optional_amount(values: dict[str, str], name: str) -> Decimal | None:
    return _amount(values[name]) if values.get(name) else None


def _parse_date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _is_various(text: str) -> bool:
    return text.strip().lower() == "various"


def _flag(values: dict[str, str], name: str) -> bool | None:
    if name not in values:
        return None
    text = values[name].strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _last4_or_none(text: str | None) -> str | None:
    return text.strip()[-4:] if text and text.strip() else None


def _recipient(values: dict[str, str]) -> Recipient:
    tin = values["recipient_tin"]
    full = _TIN.match(tin)
    digits = "".join(full.groups()) if full else tin
    return Recipient(name=values.get("recipient_name") or None, tin=digits, tin_last4=tin[-4:])


def _w2(page: FormPage, tax_year: int, recipient: Recipient) -> W2Form:
    values = page.fields
    return W2Form(
        form_number=page.page_number,
        tax_year=tax_year,
        recipient=recipient,
        employer_name=values["employer_name"],
        employer_ein=values.get("employer_ein") or None,
        box1_wages_usd=_amount(values["box1_wages"]),
        box2_federal_withholding_usd=_amount(values["box2_federal_withholding"]),
        box3_social_security_wages_usd=_amount(values["box3_social_security_wages"]),
        box4_social_security_tax_usd=_amount(values["box4_social_security_tax"]),
        box5_medicare_wages_usd=_amount(values["box5_medicare_wages"]),
        box6_medicare_tax_usd=_amount(values["box6_medicare_tax"]),
        box12_amounts_usd={
            name.removeprefix("box12_code_").upper(): _amount(value)
            for name, value in values.items()
            if name.startswith("box12_code_") and value
        },
        box13_is_statutory_employee=_flag(values, "box13_statutory_employee"),
        box13_has_retirement_plan=_flag(values, "box13_retirement_plan"),
        box13_has_third_party_sick_pay=_flag(values, "box13_third_party_sick_pay"),
        box14_rsu_income_usd=_optional_amount(values, "box14_rsu"),
        box15_state=(values.get("box15_state") or "").upper() or None,
        box16_state_wages_usd=_optional_amount(values, "box16_state_wages"),
        box17_state_tax_usd=_optional_amount(values, "box17_state_tax"),
    )


def _1099_b_line(
    page: FormPage, line_number: int, tax_year: int, recipient: Recipient
) -> Form1099BLine:
    values = page.fields
    description = values["description"]
    acquired = values.get("date_acquired", "")
    quantity_text = values.get("quantity") or (
        match.group(1) if (match := _QUANTITY_IN_DESCRIPTION.match(description)) else ""
    )
    term = (values.get("term") or "").strip().lower()
    term = "short" if term.startswith("short") else "long" if term.startswith("long") else None
    sold = _parse_date(values["date_sold"])
    assert sold is not None  # checked in _check_page
    return Form1099BLine(
        line_number=line_number,
        form_number=page.page_number,
        tax_year=tax_year,
        recipient=recipient,
        account_id_last4=_last4_or_none(values.get("account_id")),
        description=description,
        quantity=_amount(quantity_text) if quantity_text else None,
        date_acquired=None if _is_various(acquired) or not acquired else _parse_date(acquired),
        is_acquired_various=_is_various(acquired),
        date_sold=sold,
        proceeds_usd=_amount(values["proceeds"]),
        cost_basis_usd=_optional_amount(values, "cost_basis"),
        wash_sale_loss_disallowed_usd=_optional_amount(values, "wash_sale_loss_disallowed"),
        term=term,
        is_covered=_flag(values, "covered"),
    )
