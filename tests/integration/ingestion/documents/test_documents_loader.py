"""A sandbox world's landing area loaded into the real warehouse: values equal the truth,
broken files are quarantined with the right reason, re-runs change nothing, nothing is lost,
and no SSN is stored in clear."""

import csv
import itertools
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from ingestion.documents.archive import DocumentArchive, LandingArea
from ingestion.documents.loader import TABLES, DocumentsLoad, load_landed_documents
from privacy import EnvelopeCipher, Keyring, client_key
from sandbox import build_world
from tests.unit.ingestion.documents.conftest import EXPECTED_CODES
from warehouse_ddl import Warehouse

AS_OF = date(2025, 6, 30)
_numbers = itertools.count()


@dataclass
class LoadedWorld:
    world: Path
    landing: LandingArea
    landing_dir: Path
    archive: DocumentArchive
    keyring: Keyring
    first: DocumentsLoad
    second: DocumentsLoad
    documents: list[dict[str, str]]
    app_url: str
    loader_url: str
    admin_url: str


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _rows(url: str, query: str | sql.Composable, *params: object) -> list[tuple]:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()
    finally:
        connection.close()


def _empty_document_tables(warehouse: Warehouse) -> None:
    cleanup = psycopg2.connect(warehouse.admin_url("warehouse"))
    with cleanup, cleanup.cursor() as cursor:
        cursor.execute(
            sql.SQL("truncate {} cascade").format(
                sql.SQL(", ").join(sql.Identifier(*table.split(".")) for table in TABLES)
            )
        )
        cursor.execute("delete from quarantine.rejected_records where source_name = 'documents'")
    cleanup.close()


@pytest.fixture(scope="module")
def loaded(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedWorld]:
    name = f"app_documents_{os.getpid()}_{next(_numbers)}"
    admin = psycopg2.connect(warehouse.admin_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    app_url = warehouse.admin_url(name)
    base = tmp_path_factory.mktemp("documents")
    world = base / "world"
    build_world(world, clients=60, seed=3, as_of=AS_OF, app_database_url=app_url)
    landing_dir = base / "landing"
    # The session warehouse is shared: earlier end-to-end runs may have recorded
    # files with the same content (e.g. empty uploads), which would be skipped.
    _empty_document_tables(warehouse)
    shutil.copytree(world / "documents" / "landing", landing_dir)
    keyring = Keyring.generate()
    landing = LandingArea(str(landing_dir))
    archive = DocumentArchive(str(base / "archive"), EnvelopeCipher(keyring))
    loader_url = warehouse.role_url("wdp_loader")

    def run() -> DocumentsLoad:
        target, source = psycopg2.connect(loader_url), psycopg2.connect(app_url)
        try:
            return load_landed_documents(landing, archive, target, source, keyring, today=AS_OF)
        finally:
            target.close()
            source.close()

    first = run()
    second = run()
    yield LoadedWorld(
        world,
        landing,
        landing_dir,
        archive,
        keyring,
        first,
        second,
        _read(world / "truth" / "documents.csv"),
        app_url,
        loader_url,
        warehouse.admin_url("warehouse"),
    )
    _empty_document_tables(warehouse)
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
    admin.close()


def test_nothing_is_lost(loaded: LoadedWorld) -> None:
    files = dict(_rows(loaded.loader_url, "select file_sha256, status from raw_documents.files"))
    truth_shas = {document["sha256"] for document in loaded.documents}
    # Every landed content is recorded, parsed or quarantined, and archived decryptable.
    assert set(files) == truth_shas
    for document in loaded.documents:
        expected = "quarantined" if document["is_broken"] == "true" else "parsed"
        assert files[document["sha256"]] == expected, document["layout"]
        original = (loaded.world / "documents" / "landing" / document["file_name"]).read_bytes()
        assert loaded.archive.read(document["sha256"]) == original
    # Landing is emptied only after archiving and recording.
    assert loaded.landing.files() == []
    first = loaded.first
    assert first.files_seen == len(loaded.documents)
    assert first.files_archived == len(truth_shas)
    assert first.files_parsed + first.files_quarantined == len(truth_shas)
    # The same content landed twice (e.g. two empty uploads) is recorded once.
    assert first.files_skipped_seen_before == len(loaded.documents) - len(truth_shas)
    assert first.files_failed == 0


def test_broken_files_are_quarantined_with_the_right_reason(loaded: LoadedWorld) -> None:
    broken = [document for document in loaded.documents if document["is_broken"] == "true"]
    assert broken, "the world should hold broken files"
    recorded = {
        sha: (code, reason)
        for sha, code, reason in _rows(
            loaded.loader_url,
            "select file_sha256, quarantine_reason_code, quarantine_reason "
            "from raw_documents.files where status = 'quarantined'",
        )
    }
    quarantined = dict(
        _rows(
            loaded.loader_url,
            "select source_reference, quarantine_reason from quarantine.rejected_records "
            "where source_name = 'documents'",
        )
    )
    grants = {row["grant_id"]: row for row in _read(loaded.world / "truth" / "equity_grants.csv")}
    for document in broken:
        code, reason = recorded[document["sha256"]]
        expected = {EXPECTED_CODES[document["broken_kind"]]}
        if document["broken_kind"] == "vesting_after_expiration":
            # An RSU first in the export has no expiration: its 2099 vesting start is then
            # refused as a date in the future.
            client_grants = [g for g in grants.values() if g["client_id"] == document["client_id"]]
            if not client_grants[0]["expiration_date"]:
                expected.add("future_date")
        assert code in expected, document["broken_kind"]
        assert f"file kept in quarantine as {document['sha256']}" in reason
        assert quarantined[document["sha256"]] == reason
    assert sum(loaded.first.quarantine_reasons.values()) == len({d["sha256"] for d in broken})


def test_parsed_values_equal_the_truth(loaded: LoadedWorld) -> None:
    good = {
        (document["client_id"], document["document_type"])
        for document in loaded.documents
        if document["is_broken"] == "false"
    }
    truth = loaded.world / "truth"

    def of_good(rows: list[dict[str, str]], document_type: str) -> list[dict[str, str]]:
        return [row for row in rows if (row["client_id"], document_type) in good]

    w2_truth = Counter(
        (
            row["client_id"],
            int(row["tax_year"]),
            row["employer_name"],
            Decimal(row["box1_wages_usd"]),
            Decimal(row["box2_federal_withholding_usd"]),
            Decimal(row["box3_social_security_wages_usd"]),
            Decimal(row["box4_social_security_tax_usd"]),
            Decimal(row["box5_medicare_wages_usd"]),
            Decimal(row["box6_medicare_tax_usd"]),
            row["box15_state"] or None,
            Decimal(row["box16_state_wages_usd"]) if row["box16_state_wages_usd"] else None,
            Decimal(row["box17_state_tax_usd"]) if row["box17_state_tax_usd"] else None,
            Decimal(row["box12_code_d_usd"]),
            Decimal(row["box12_code_w_usd"]),
        )
        for row in of_good(_read(truth / "w2.csv"), "w2")
    )
    w2_loaded = Counter(
        _rows(
            loaded.loader_url,
            "select w.client_id, w.tax_year, w.employer_name, w.box1_wages_usd, "
            "w.box2_federal_withholding_usd, w.box3_social_security_wages_usd, "
            "w.box4_social_security_tax_usd, w.box5_medicare_wages_usd, w.box6_medicare_tax_usd, "
            "w.box15_state, w.box16_state_wages_usd, w.box17_state_tax_usd, d.amount_usd, "
            "c.amount_usd from raw_documents.w2_forms as w "
            "join raw_documents.w2_box12_amounts as d using (file_sha256, form_number) "
            "join raw_documents.w2_box12_amounts as c using (file_sha256, form_number) "
            "where d.box12_code = 'D' and c.box12_code = 'W'",
        )
    )
    assert w2_truth and w2_loaded == w2_truth

    b_truth = Counter(
        (
            row["client_id"],
            row["account_id"][-4:],
            row["description"],
            Decimal(row["quantity"]),
            date.fromisoformat(row["date_acquired"]),
            date.fromisoformat(row["date_sold"]),
            Decimal(row["proceeds_usd"]),
            Decimal(row["cost_basis_usd"]),
            Decimal(row["wash_sale_loss_disallowed_usd"]),
            row["term"],
            row["is_covered"] == "true",
        )
        for row in of_good(_read(truth / "form_1099_b.csv"), "1099_b")
    )
    b_loaded = Counter(
        _rows(
            loaded.loader_url,
            "select client_id, account_id_last4, description, quantity, date_acquired, "
            "date_sold, proceeds_usd, cost_basis_usd, wash_sale_loss_disallowed_usd, term, "
            "is_covered from raw_documents.form_1099_b_lines",
        )
    )
    assert b_loaded == b_truth

    div_truth = Counter(
        (
            row["client_id"],
            row["account_id"][-4:],
            Decimal(row["box1a_ordinary_dividends_usd"]),
            Decimal(row["box1b_qualified_dividends_usd"]),
            Decimal(row["box2a_capital_gain_distributions_usd"]),
        )
        for row in of_good(_read(truth / "form_1099_div.csv"), "1099_div")
    )
    div_loaded = Counter(
        _rows(
            loaded.loader_url,
            "select client_id, account_id_last4, box1a_ordinary_dividends_usd, "
            "box1b_qualified_dividends_usd, box2a_capital_gain_distributions_usd "
            "from raw_documents.form_1099_div",
        )
    )
    assert div_truth and div_loaded == div_truth

    int_truth = Counter(
        (row["client_id"], row["account_id"][-4:], Decimal(row["box1_interest_usd"]))
        for row in of_good(_read(truth / "form_1099_int.csv"), "1099_int")
    )
    int_loaded = Counter(
        _rows(
            loaded.loader_url,
            "select client_id, account_id_last4, box1_interest_usd "
            "from raw_documents.form_1099_int",
        )
    )
    assert int_loaded == int_truth

    grants_truth = {
        row["grant_id"]: (
            row["client_id"],
            row["grant_type"],
            date.fromisoformat(row["grant_date"]),
            Decimal(row["shares_granted"]),
            date.fromisoformat(row["vesting_start_date"]),
            int(row["vesting_months"]),
            int(row["cliff_months"]),
            Decimal(row["exercised_shares"]),
            date.fromisoformat(row["expiration_date"]) if row["expiration_date"] else None,
            row["employer_name"],
        )
        for row in of_good(_read(truth / "equity_grants.csv"), "equity_grant_export")
    }
    grants_loaded = {
        grant_id: rest
        for grant_id, *rest in _rows(
            loaded.loader_url,
            "select grant_id, client_id, grant_type, grant_date, shares_granted, "
            "vesting_start_date, vesting_months, cliff_months, exercised_shares, "
            "expiration_date, company_name from raw_documents.equity_grants",
        )
    }
    assert grants_truth and {k: tuple(v) for k, v in grants_loaded.items()} == grants_truth


def test_rows_are_linked_to_file_and_client(loaded: LoadedWorld) -> None:
    for table in TABLES:
        if table == "raw_documents.files":
            continue
        for client_id, key in _rows(
            loaded.loader_url,
            sql.SQL("select distinct client_id, client_key from {}").format(
                sql.Identifier(*table.split("."))
            ),
        ):
            assert key == client_key(loaded.keyring.pepper, client_id)


def test_rerun_changes_nothing_and_seen_files_are_skipped(loaded: LoadedWorld) -> None:
    assert loaded.second.files_seen == 0
    counts = {
        table: _rows(
            loaded.loader_url,
            sql.SQL("select count(*) from {}").format(sql.Identifier(*table.split("."))),
        )[0][0]
        for table in TABLES
    }
    relanded = loaded.documents[0]["file_name"]
    shutil.copy(loaded.world / "documents" / "landing" / relanded, loaded.landing_dir / relanded)
    target, source = psycopg2.connect(loaded.loader_url), psycopg2.connect(loaded.app_url)
    try:
        again = load_landed_documents(
            loaded.landing, loaded.archive, target, source, loaded.keyring, today=AS_OF
        )
    finally:
        target.close()
        source.close()
    assert (again.files_seen, again.files_skipped_seen_before) == (1, 1)
    assert again.files_parsed == again.files_quarantined == 0
    assert loaded.landing.files() == []
    for table, count in counts.items():
        assert (
            _rows(
                loaded.loader_url,
                sql.SQL("select count(*) from {}").format(sql.Identifier(*table.split("."))),
            )[0][0]
            == count
        )


def test_no_ssn_or_name_in_clear(loaded: LoadedWorld) -> None:
    people = _rows(loaded.app_url, "select ssn, first_name || ' ' || last_name from clients")
    dumped = []
    for table in (*TABLES, "quarantine.rejected_records"):
        for (row,) in _rows(
            loaded.admin_url,
            sql.SQL("select t::text from {} as t").format(sql.Identifier(*table.split("."))),
        ):
            dumped.append(row)
    text = "\n".join(dumped)
    for ssn, full_name in people:
        assert ssn not in text
        assert ssn.replace("-", "") not in text
        assert full_name not in text
    # Not in the archive either.
    for path in (loaded.archive.path_of(d["sha256"]) for d in loaded.documents[:20]):
        content = Path(path).read_bytes()
        assert not any(ssn.encode() in content for ssn, _ in people)
