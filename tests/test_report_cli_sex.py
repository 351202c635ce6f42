"""``mirage report --lab sex=WORD`` takes every word a labs table's sex column takes, as the table
reads it: "männlich" typed decomposed (a Mac's "a" + combining diaeresis) had been refused as
"expected name=value[unit]" while the table read it as male.

Truth: the labs table reader (``clinical.read_labs_table``) over a table of the same words."""

from __future__ import annotations

import unicodedata

import pytest

from mirage_model.clinical import SEX_CODE, read_labs_table
from mirage_model.clinical.features import _SEX_WORDS
from training_cli.commands.report import parse_lab


def _spellings() -> list[str]:
    out = []
    for word in _SEX_WORDS:
        for text in (word, word.upper(), word.capitalize() + ".", f" {word} "):
            out += [unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)]
    return list(dict.fromkeys(out))


def test_every_word_of_the_table_is_taken_as_the_table_reads_it(tmp_path):
    words = _spellings()
    assert any(unicodedata.normalize("NFC", w) != w for w in words)      # decomposed ones among them
    table = tmp_path / "labs.csv"
    table.write_text("record_id,sex\n" + "".join(f"r{k},{w}\n" for k, w in enumerate(words)), encoding="utf-8")
    errors: dict = {}
    read = read_labs_table(table, row_errors=errors)
    assert not errors
    for k, word in enumerate(words):
        name, value = parse_lab(f"sex={word}")
        assert name == "sex" and SEX_CODE[value] == read[f"r{k}"]["sex"][0], word


def test_a_word_that_is_no_sex_says_so():
    for bad in ("sex=?", "sex=x y", "sex=Mann?"):
        with pytest.raises(ValueError, match="is not a sex we read"):
            parse_lab(bad)


def test_the_tables_names_of_the_sex_column_are_taken_with_words(tmp_path):
    """A table's "gender" column of words is read as sex; `--lab gender=female` had been refused as
    "expected name=value[unit]" (while `--lab gender=1` was taken)."""
    table = tmp_path / "labs.csv"
    table.write_text("record_id,Gender\nr1,female\nr2,Männlich\n", encoding="utf-8")
    read = read_labs_table(table)
    assert parse_lab("gender=female") == ("sex", "F") and SEX_CODE["F"] == read["r1"]["sex"][0]
    assert parse_lab("Gender = Männlich") == ("sex", "M") and SEX_CODE["M"] == read["r2"]["sex"][0]
    with pytest.raises(ValueError, match="expected name=value"):
        parse_lab("crp=high")                         # a word for a number feature: as before
