"""The format of a file is decided from its content, not its name."""

import pytest

from ingestion.documents.extraction import canonical_field, extract, form_type_of
from ingestion.documents.problems import DocumentProblem

from .conftest import TruthForms, generate


def test_a_pdf_named_csv_is_read_as_a_pdf(truth_forms: TruthForms) -> None:
    _, content = generate(truth_forms, "w2", "pdf_flat")
    extracted = extract(content, ".csv")
    assert (extracted.file_format, extracted.layout) == ("pdf", "pdf_flat")
    assert extracted.forms[0].form_type == "w2"


def test_a_fillable_pdf_gives_its_fields_page_by_page(truth_forms: TruthForms) -> None:
    _, content = generate(truth_forms, "1099_b", "pdf_fillable")
    extracted = extract(content, ".pdf")
    assert extracted.layout == "pdf_fillable"
    assert len(extracted.forms) == len(truth_forms.forms["1099_b"]) + 1  # lines + totals
    assert {form.form_type for form in extracted.forms} == {"1099_b"}


def test_a_tax_form_csv_named_txt_is_read_as_csv(truth_forms: TruthForms) -> None:
    _, content = generate(truth_forms, "1099_int", "csv")
    extracted = extract(content, ".txt")
    assert extracted.layout == "csv_fields"
    assert extracted.forms[0].form_type == "1099_int"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (bytes(range(256)) * 4, "binary_file"),
        (b"<!DOCTYPE html><html><body>Login</body></html>", "html_not_csv"),
        (b"name,amount\n\xe9t\xe9,1\n", "not_utf8_text"),
    ],
)
def test_unreadable_content_is_named(content: bytes, code: str) -> None:
    with pytest.raises(DocumentProblem) as raised:
        extract(content, ".csv")
    assert raised.value.code == code


def test_labels_match_after_normalisation() -> None:
    assert canonical_field("Box 1 Wages, tips, other compensation") == "box1_wages"
    assert canonical_field("box1_wages") == "box1_wages"
    assert canonical_field("Box 12 Code DD") == "box12_code_dd"
    assert canonical_field("Amount due") is None
    assert form_type_of("Form 1099-DIV Dividends and Distributions") == "1099_div"
    assert form_type_of("W-2") == "w2"
    assert form_type_of("Account statement") is None
