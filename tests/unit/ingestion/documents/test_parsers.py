"""Every document type and layout the sandbox writes parses to its truth; every broken kind
is refused with the right reason."""

from decimal import Decimal
from pathlib import PurePosixPath

import pytest

from ingestion.documents.parsing import ParsedDocument, parse_document
from ingestion.documents.problems import ACTIONS, DocumentProblem
from ingestion.documents.tax_forms import ClientIdentity, FormContext

from .conftest import (
    ALL_CASES,
    AS_OF,
    CLIENT,
    EXPECTED_CODES,
    TAX_FORM_TYPES,
    TAX_YEAR,
    TruthForms,
    generate,
    layouts_of,
)

CONTEXT = FormContext(
    client=ClientIdentity(CLIENT.client_id, CLIENT.full_name, CLIENT.ssn.replace("-", "")),
    today=AS_OF,
    expected_tax_year=TAX_YEAR,
)


def parse(file_name: str, content: bytes) -> ParsedDocument:
    return parse_document(content, PurePosixPath(file_name).suffix, CONTEXT)


def usd(text: str) -> Decimal | None:
    return Decimal(text) if text != "" else None


GOOD_CASES = [
    (document_type, layout)
    for document_type in (*TAX_FORM_TYPES, "equity_grant_export")
    for layout in layouts_of(document_type)
]


@pytest.mark.parametrize(("document_type", "layout"), GOOD_CASES)
def test_good_document_parses_to_the_truth(
    truth_forms: TruthForms, document_type: str, layout: str
) -> None:
    parsed = parse(*generate(truth_forms, document_type, layout))
    forms = truth_forms.forms
    expected_layout = {"csv": "csv_fields"}.get(layout, layout)
    assert parsed.layout == expected_layout
    if document_type == "w2":
        (truth,) = forms["w2"]
        (w2,) = parsed.tax_forms.w2
        assert w2.tax_year == int(truth["tax_year"]) == TAX_YEAR
        assert w2.employer_name == truth["employer_name"]
        for box in (
            "box1_wages_usd",
            "box2_federal_withholding_usd",
            "box3_social_security_wages_usd",
            "box4_social_security_tax_usd",
            "box5_medicare_wages_usd",
            "box6_medicare_tax_usd",
            "box14_rsu_income_usd",
            "box16_state_wages_usd",
            "box17_state_tax_usd",
        ):
            assert getattr(w2, box) == usd(truth[box]), box
        assert w2.box12_amounts_usd == {
            "D": Decimal(truth["box12_code_d_usd"]),
            "W": Decimal(truth["box12_code_w_usd"]),
        }
        assert w2.box15_state == (truth["box15_state"] or None)
        assert w2.recipient.tin == CLIENT.ssn.replace("-", "")
        assert w2.recipient.tin_last4 == CLIENT.ssn[-4:]
        assert w2.recipient.name == CLIENT.full_name
    elif document_type == "1099_b":
        lines = parsed.tax_forms.form_1099_b
        assert len(lines) == len(forms["1099_b"])
        for line, truth in zip(lines, forms["1099_b"], strict=True):
            assert line.account_id_last4 == truth["account_id"][-4:]
            assert line.description == truth["description"]
            assert line.quantity == Decimal(truth["quantity"])
            assert line.date_acquired.isoformat() == truth["date_acquired"]
            assert line.date_sold.isoformat() == truth["date_sold"]
            assert line.proceeds_usd == Decimal(truth["proceeds_usd"])
            assert line.cost_basis_usd == Decimal(truth["cost_basis_usd"])
            assert line.wash_sale_loss_disallowed_usd == Decimal(
                truth["wash_sale_loss_disallowed_usd"]
            )
            assert line.term == truth["term"]
            assert line.is_covered is (truth["is_covered"] == "true")
        # One page per sale and a totals page: several forms in one file.
        assert parsed.tax_forms.form_count == len(lines)
    elif document_type == "1099_div":
        assert [
            (
                form.account_id_last4,
                form.box1a_ordinary_dividends_usd,
                form.box1b_qualified_dividends_usd,
                form.box2a_capital_gain_distributions_usd,
            )
            for form in parsed.tax_forms.form_1099_div
        ] == [
            (
                truth["account_id"][-4:],
                Decimal(truth["box1a_ordinary_dividends_usd"]),
                Decimal(truth["box1b_qualified_dividends_usd"]),
                Decimal(truth["box2a_capital_gain_distributions_usd"]),
            )
            for truth in forms["1099_div"]
        ]
    elif document_type == "1099_int":
        assert [
            (form.account_id_last4, form.box1_interest_usd)
            for form in parsed.tax_forms.form_1099_int
        ] == [
            (truth["account_id"][-4:], Decimal(truth["box1_interest_usd"]))
            for truth in forms["1099_int"]
        ]
    else:
        grants = parsed.equity_grants
        assert len(grants) == len(forms["grants"])
        for grant, truth in zip(grants, forms["grants"], strict=True):
            assert grant.grant_id == truth["grant_id"]
            assert grant.grant_type == truth["grant_type"]
            assert grant.company_name == truth["employer_name"]
            assert grant.grant_date.isoformat() == truth["grant_date"]
            assert grant.shares_granted == Decimal(truth["shares_granted"])
            assert grant.vesting_start_date.isoformat() == truth["vesting_start_date"]
            assert grant.vesting_months == int(truth["vesting_months"])
            assert grant.cliff_months == int(truth["cliff_months"])
            assert grant.exercised_shares == Decimal(truth["exercised_shares"])
            expiration = grant.expiration_date.isoformat() if grant.expiration_date else ""
            assert expiration == truth["expiration_date"]
            if layout == "carta_csv":
                assert grant.vest_frequency_months == int(truth["vest_frequency_months"])
                assert grant.strike_price_usd == usd(truth["strike_price_usd"])
            else:
                # Shareworks has no frequency column and writes 0.00 for RSUs' price.
                assert grant.vest_frequency_months is None
                assert grant.strike_price_usd == Decimal(truth["strike_price_usd"] or "0")
            assert grant.stakeholder_name == CLIENT.full_name


@pytest.mark.parametrize(
    ("document_type", "layout", "broken_kind"),
    ALL_CASES,
    ids=["-".join(case) for case in ALL_CASES],
)
def test_broken_document_goes_to_quarantine_with_its_reason(
    truth_forms: TruthForms, document_type: str, layout: str, broken_kind: str
) -> None:
    file_name, content = generate(truth_forms, document_type, layout, broken_kind)
    with pytest.raises(DocumentProblem) as raised:
        parse(file_name, content)
    problem = raised.value
    assert problem.code == EXPECTED_CODES[broken_kind]
    reason = problem.reason("ab" * 32)
    assert f"file kept in quarantine as {'ab' * 32}" in reason
    assert reason.endswith(ACTIONS[problem.code])
    # Reasons never quote who the document is about.
    for secret in (CLIENT.full_name, CLIENT.ssn, "6789", "Turing", "4321"):
        assert secret not in problem.detail


def test_every_broken_kind_of_the_sandbox_is_covered() -> None:
    assert {kind for _, _, kind in ALL_CASES} == set(EXPECTED_CODES)
    assert len(EXPECTED_CODES) >= 25


def test_several_forms_in_one_csv_are_all_parsed(truth_forms: TruthForms) -> None:
    _, w2 = generate(truth_forms, "w2", "csv")
    _, interest = generate(truth_forms, "1099_int", "csv")
    combined = w2 + interest.split(b"\n", 1)[1]  # one header, then both forms' rows
    parsed = parse("forms.csv", combined)
    assert len(parsed.tax_forms.w2) == 1
    assert len(parsed.tax_forms.form_1099_int) == len(truth_forms.forms["1099_int"])
    assert parsed.document_type == "w2+1099_int"


def test_acquired_various_is_kept_as_a_flag(truth_forms: TruthForms) -> None:
    _, content = generate(truth_forms, "1099_b", "csv")
    first_date = truth_forms.forms["1099_b"][0]["date_acquired"].encode()
    parsed = parse(
        "b.csv", content.replace(b"date_acquired," + first_date, b"date_acquired,Various", 1)
    )
    first = parsed.tax_forms.form_1099_b[0]
    assert first.is_acquired_various and first.date_acquired is None


def test_409a_history_parses_to_the_truth(truth_forms: TruthForms) -> None:
    rows = truth_forms.fmv_409a
    header = "Company,Valuation Date,FMV per Share (USD)\n"
    body = "".join(
        f'"{row["employer_name"]}",{row["valuation_date"]},{row["fmv_per_share_usd"]}\n'
        for row in rows
        if row["valuation_date"] <= AS_OF.isoformat()
    )
    parsed = parse("valuations.csv", (header + body).encode())
    assert parsed.layout == "fmv_409a_csv"
    assert [
        (v.company_name, v.valuation_date.isoformat(), v.fmv_per_share_usd)
        for v in parsed.fmv_valuations
    ] == [
        (row["employer_name"], row["valuation_date"], Decimal(row["fmv_per_share_usd"]))
        for row in rows
        if row["valuation_date"] <= AS_OF.isoformat()
    ]


def test_409a_history_with_a_future_valuation_is_refused() -> None:
    content = b"employer_name,valuation_date,fmv_per_share_usd\nAcme,2099-01-01,1.00\n"
    with pytest.raises(DocumentProblem) as raised:
        parse("valuations.csv", content)
    assert raised.value.code == "future_date"
