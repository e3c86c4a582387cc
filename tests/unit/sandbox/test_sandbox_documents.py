"""Landing-area documents: good files carry the truth's values, broken ones are broken."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from sandbox import WorldSummary, build_world
from sandbox.documents import BROKEN_KINDS, Person, applicable_kinds, build_pdf, client_documents

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    out = tmp_path_factory.mktemp("documents-world")
    return build_world(out, clients=40, seed=8, as_of=AS_OF, app_database_url=None)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _values(path: Path, layout: str) -> dict[str, str]:
    """Field -> value of a good tax-form document, however it is laid out."""
    if layout == "csv":
        return {row["field"]: row["value"] for row in _rows(path)}
    reader = PdfReader(path)
    if layout == "pdf_fillable":
        return {name: str(field.get("/V", "")) for name, field in reader.get_fields().items()}
    text = "\n".join(page.extract_text() for page in reader.pages)
    return {"text": text}


def test_every_upload_has_a_file_and_a_truth_row(world: WorldSummary) -> None:
    documents = _rows(world.truth_dir / "documents.csv")
    assert len(documents) == world.documents > 0
    for row in documents:
        assert (world.documents_dir / row["file_name"]).is_file()
    layouts = {row["layout"] for row in documents}
    assert {"csv", "pdf_flat", "pdf_fillable", "carta_csv"} <= layouts


def test_good_w2_documents_carry_the_truth_values(world: WorldSummary) -> None:
    w2_truth = {row["client_id"]: row for row in _rows(world.truth_dir / "w2.csv")}
    checked = 0
    for row in _rows(world.truth_dir / "documents.csv"):
        if row["document_type"] != "w2" or row["is_broken"] == "true":
            continue
        truth = w2_truth[row["client_id"]]
        values = _values(world.documents_dir / row["file_name"], row["layout"])
        if row["layout"] == "pdf_flat":
            assert (
                f"Box 1 Wages, tips, other compensation: {truth['box1_wages_usd']}"
                in values["text"]
            )
            assert f"Box 12 Code D: {truth['box12_code_d_usd']}" in values["text"]
        else:
            assert values["box1_wages"] == truth["box1_wages_usd"]
            assert values["box2_federal_withholding"] == truth["box2_federal_withholding_usd"]
            assert values["tax_year"] == str(AS_OF.year - 1)
        checked += 1
    assert checked > 3


def test_good_grant_exports_list_the_grants(world: WorldSummary) -> None:
    grants = _rows(world.truth_dir / "equity_grants.csv")
    for row in _rows(world.truth_dir / "documents.csv"):
        if row["document_type"] != "equity_grant_export" or row["is_broken"] == "true":
            continue
        exported = _rows(world.documents_dir / row["file_name"])
        id_column = "Grant ID" if row["layout"] == "carta_csv" else "Award Number"
        expected = sorted(g["grant_id"] for g in grants if g["client_id"] == row["client_id"])
        assert sorted(e[id_column] for e in exported) == expected


def test_private_grant_holders_upload_their_employers_409a_history(world: WorldSummary) -> None:
    grants = _rows(world.truth_dir / "equity_grants.csv")
    valuations = _rows(world.truth_dir / "fmv_409a.csv")
    documents = _rows(world.truth_dir / "documents.csv")
    exporters = {d["client_id"] for d in documents if d["document_type"] == "equity_grant_export"}
    histories = {d["client_id"]: d for d in documents if d["document_type"] == "fmv_409a_history"}
    private = {g["client_id"] for g in grants if g["is_public_company"] == "false"}
    assert histories and set(histories) == private & exporters
    for client_id, row in histories.items():
        assert row["is_broken"] == "false" and row["layout"] == "fmv_409a_csv"
        employers = {
            g["employer_name"]
            for g in grants
            if g["client_id"] == client_id and g["is_public_company"] == "false"
        }
        expected = [
            [v["employer_name"], v["valuation_date"], v["fmv_per_share_usd"]]
            for v in valuations
            if v["employer_name"] in employers and v["valuation_date"] <= AS_OF.isoformat()
        ]
        exported = _rows(world.documents_dir / row["file_name"])
        assert [
            [e["Company"], e["Valuation Date"], e["FMV per Share (USD)"]] for e in exported
        ] == expected


def test_multi_page_1099b_has_a_totals_page() -> None:
    forms = {
        "1099_b": [
            {
                "account_id": "acct0001",
                "description": "1 SH X",
                "date_acquired": "2020-01-02",
                "date_sold": "2024-03-04",
                "proceeds_usd": "100.00",
                "cost_basis_usd": "80.00",
                "wash_sale_loss_disallowed_usd": "0.00",
                "term": "long",
                "is_covered": "true",
            },
            {
                "account_id": "acct0001",
                "description": "2 SH Y",
                "date_acquired": "2024-01-02",
                "date_sold": "2024-03-04",
                "proceeds_usd": "50.25",
                "cost_basis_usd": "60.00",
                "wash_sale_loss_disallowed_usd": "0.00",
                "term": "short",
                "is_covered": "true",
            },
        ]
    }
    person = Person("cl_000001", "Ann Lee", "123-45-6789", "1 Main St")
    upload = ("upl_1", "cl_000001", "1099_b", 2024, "cl_000001_1099_b_2024.pdf")
    document = client_documents(
        [upload], person, lambda: person, forms, np.random.default_rng(3), broken_share=0.0
    )[0]
    reader = PdfReader(io.BytesIO(document.content))
    assert len(reader.pages) == 3
    text = reader.pages[2].extract_text() if document.truth_row[4] == "pdf_flat" else ""
    fields = reader.get_fields() or {}
    assert "150.25" in text or any(str(f.get("/V")) == "150.25" for f in fields.values())


def _kind_documents() -> dict[str, list[tuple[str, bytes]]]:
    """Generate broken documents until every kind has been drawn several times."""
    person = Person("cl_000001", "Ann Lee", "123-45-6789", "1 Main St")
    other = Person("cl_000002", "Bo Chan", "987-65-4321", "2 Oak Ave")
    forms = {
        "w2": [
            {
                name: "1000.00"
                for name in (
                    "box1_wages_usd",
                    "box2_federal_withholding_usd",
                    "box3_social_security_wages_usd",
                    "box4_social_security_tax_usd",
                    "box5_medicare_wages_usd",
                    "box6_medicare_tax_usd",
                    "box12_code_d_usd",
                    "box12_code_w_usd",
                    "box14_rsu_income_usd",
                    "box16_state_wages_usd",
                    "box17_state_tax_usd",
                )
            }
            | {"employer_name": "Acme", "box15_state": "CA"}
        ],
        "grants": [
            {
                "grant_id": "GR1",
                "grant_type": "ISO",
                "grant_date": "2022-01-15",
                "shares_granted": "4800",
                "strike_price_usd": "1.20",
                "vesting_start_date": "2022-01-15",
                "vesting_months": "48",
                "cliff_months": "12",
                "vest_frequency_months": "1",
                "exercised_shares": "0",
                "expiration_date": "2032-01-15",
                "employer_name": "Cedar",
            }
        ],
    }
    forms["1099_b"] = [
        {
            "account_id": "acct0001",
            "description": "1 SH X",
            "date_acquired": "2020-01-02",
            "date_sold": "2024-03-04",
            "proceeds_usd": "100.00",
            "cost_basis_usd": "80.00",
            "wash_sale_loss_disallowed_usd": "0.00",
            "term": "long",
            "is_covered": "true",
        }
    ]
    found: dict[str, list[tuple[str, bytes]]] = {}
    rng = np.random.default_rng(0)
    uploads = [
        ("u1", "cl_000001", "w2", 2024, "a.pdf"),
        ("u2", "cl_000001", "w2", 2024, "a.csv"),
        ("u3", "cl_000001", "equity_grant_export", 2024, "g.csv"),
        ("u4", "cl_000001", "1099_b", 2024, "b.pdf"),
    ]
    for _ in range(250):
        for document in client_documents(uploads, person, lambda: other, forms, rng, 1.0):
            found.setdefault(str(document.truth_row[7]), []).append(
                (str(document.truth_row[4]), document.content)
            )
    return found


def test_at_least_25_broken_kinds_are_produced() -> None:
    found = _kind_documents()
    assert set(found) == set(BROKEN_KINDS)
    assert len(BROKEN_KINDS) >= 25
    assert all(kind in BROKEN_KINDS for kind in applicable_kinds("w2", "pdf_fillable"))


def test_broken_files_show_their_defect() -> None:
    found = _kind_documents()

    def first(kind: str) -> bytes:
        return found[kind][0][1]

    assert first("empty_file") == b""
    assert b"%%EOF" not in first("truncated_pdf")
    assert not first("not_a_pdf").startswith(b"%PDF")
    assert PdfReader(io.BytesIO(first("encrypted_pdf"))).is_encrypted
    assert PdfReader(io.BytesIO(first("image_only_pdf"))).pages[0].extract_text().strip() == ""
    assert len(PdfReader(io.BytesIO(first("pdf_without_pages"))).pages) == 0
    assert "Amount due" in PdfReader(io.BytesIO(first("unknown_pdf_form"))).pages[0].extract_text()
    assert b";" in first("csv_wrong_delimiter") and b"," not in first("csv_wrong_delimiter")
    assert first("csv_header_only").count(b"\n") == 1
    assert first("html_instead_of_csv").startswith(b"<!DOCTYPE html>")
    with pytest.raises(UnicodeDecodeError):
        first("invalid_utf8").decode("utf-8")
    for layout, content in found["mismatched_client"]:
        if layout.endswith("csv"):
            assert b"Bo Chan" in content and b"Ann Lee" not in content
    for _layout, content in found["negative_shares"]:
        assert b",-4800," in content


def test_hand_written_pdfs_open_in_pypdf() -> None:
    content = build_pdf([["Hello (world)", "a \\ b"], ["page two"]], [[("f1", "v1")], []])
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2
    assert "Hello (world)" in reader.pages[0].extract_text()
    assert reader.get_fields()["f1"]["/V"] == "v1"


def test_broken_share_is_configurable(tmp_path: Path) -> None:
    clean = build_world(
        tmp_path / "clean",
        clients=15,
        seed=3,
        as_of=AS_OF,
        app_database_url=None,
        broken_document_share=0.0,
    )
    broken = build_world(
        tmp_path / "broken",
        clients=15,
        seed=3,
        as_of=AS_OF,
        app_database_url=None,
        broken_document_share=1.0,
    )
    assert {r["is_broken"] for r in _rows(clean.truth_dir / "documents.csv")} == {"false"}
    broken_rows = _rows(broken.truth_dir / "documents.csv")
    # 409A histories are derived from the market and never broken (sandbox/README.md).
    assert {r["is_broken"] for r in broken_rows if r["document_type"] != "fmv_409a_history"} == {
        "true"
    }
    assert {r["is_broken"] for r in broken_rows if r["document_type"] == "fmv_409a_history"} == {
        "false"
    }
    with pytest.raises(ValueError, match="broken_document_share"):
        build_world(
            tmp_path / "x", clients=1, as_of=AS_OF, app_database_url=None, broken_document_share=1.5
        )
