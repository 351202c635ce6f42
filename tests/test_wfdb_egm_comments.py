"""A WFDB record the R package EGM wrote from a GE MUSE XML (read_muse, then write_wfdb): its header gives the
patient's MRN, age, sex, race and the MUSE diagnosis as comments "key value", no colon ("# age 71"). MIRAGE had
read none of them: the record opened with age and sex unknown (the model and the reference ranges without
them), no patient ID and no word of the file's diagnosis.

Truth is the header's own text, read here line by line: EGM's muse-af.hea (tests/data/formats/ATTRIBUTION.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mirage_model.formats import write_record
from mirage_model.records import load_record
from mirage_model.review.file_info import file_diagnosis_lines

DATA = Path(__file__).parent / "data" / "formats"
MUSE_AF = DATA / "muse-af.hea"


def _comments(path: Path) -> dict[str, str]:
    """The header's "# key value" comments, as written."""
    out = {}
    for line in path.read_text().splitlines():
        if line.startswith("# "):
            key, _, value = line[2:].partition(" ")
            out[key] = value
    return out


def test_egm_header_gives_age_sex_mrn_and_diagnosis():
    said = _comments(MUSE_AF)
    assert (said["age"], said["sex"], said["mrn"]) == ("71", "FEMALE", "074747981")
    rec = load_record(MUSE_AF)
    assert (rec.age, rec.sex) == (71.0, "F")
    assert rec.meta["patient"]["id"] == "074747981"       # the leading zero kept: an MRN, not a number
    assert rec.dx == (said["diagnosis"],) and said["diagnosis"].startswith("Atrial fibrillation, with rapid")
    heading, lines = file_diagnosis_lines(rec)
    assert heading == "In the file (the header's diagnosis comment): not MIRAGE's" and lines == [said["diagnosis"]]


def test_egm_fields_survive_conversion_and_race_is_kept_as_written(tmp_path):
    rec = load_record(MUSE_AF)
    again = load_record(write_record(rec, tmp_path, "wfdb", name="af"))
    assert (again.age, again.sex, again.meta["patient"]["id"], again.dx) == (rec.age, rec.sex, "074747981", rec.dx)
    text = (tmp_path / "af.hea").read_text()
    assert "race BLACK" in text and "# age 71" not in text       # race: no field holds it; age: as "Age: 71"


def test_egm_na_is_no_value_and_a_colon_comment_wins(tmp_path):
    """R writes NA for a field the MUSE file lacks; a "key: value" comment (the Challenge's) is read first."""
    shutil.copy(DATA / "muse-af.dat", tmp_path / "muse-af.dat")
    lines = MUSE_AF.read_text().splitlines()
    lines = [{"# mrn 074747981": "# mrn NA", "# age 71": "# age NA", "# sex FEMALE": "#Sex: Male"}.get(x, x)
             for x in lines]
    (tmp_path / "muse-af.hea").write_text("\n".join(lines) + "\n")
    rec = load_record(tmp_path / "muse-af.hea")
    assert rec.age is None and rec.sex == "M" and not (rec.meta.get("patient") or {}).get("id")


def test_bare_comments_another_comment_outranks_are_kept_on_save_as(tmp_path):
    """A bare "# age 71", "# diagnosis ..." or "# mrn ..." was dropped by Save as even where a "#Age:", "#Dx:" or
    written "#Patient ID:" comment was the one read (the bare line read by nothing): its text was lost. Truth: the
    header's own lines and the ones this test adds."""
    said = _comments(MUSE_AF)
    shutil.copy(DATA / "muse-af.dat", tmp_path / "muse-af.dat")
    mixed = tmp_path / "muse-af.hea"
    mixed.write_text(MUSE_AF.read_text() + "# Age: 65\n# Dx: 164889003\n# Patient ID: P-7\n# sex MALE\n")
    rec = load_record(mixed)
    assert (rec.age, rec.sex, rec.dx, rec.meta["patient"]["id"]) == (65, "F", ("164889003",), "P-7")
    write_record(rec, tmp_path / "out", "wfdb", name="af")
    text = (tmp_path / "out" / "af.hea").read_text()
    for key in ("age", "diagnosis", "mrn"):
        assert f"{key} {said[key]}" in text, key
    assert "sex MALE" in text            # a second "sex": the first was read
    assert "sex FEMALE" not in text      # read (no "Sex:" comment): written as "Sex: F"
    again = load_record(tmp_path / "out" / "af.hea")
    assert (again.age, again.sex, again.dx, again.meta["patient"]["id"]) == (65, "F", ("164889003",), "P-7")
