"""Clinical and laboratory features: schema with units, conversions, ranges and normalisation.

A ``ClinicalSchema`` is the ordered list of clinical features a model was trained with. It travels
inside every checkpoint (``to_dict``/``from_dict``) together with its normalisation statistics, so
the app, the CLI and the report encode a patient's values exactly as training did.

Units and conversion factors follow the units clinical laboratories report (SI and conventional):
troponin ng/L (= pg/mL; ng/mL x 1000), creatinine umol/L (mg/dL x 88.4), D-dimer mg/L FEU
(ug/L FEU x 0.001; D-dimer units DDU are about half of FEU, x 2), NT-proBNP pg/mL (= ng/L;
pmol/L x 8.457 for a molecular mass of 8.46 kDa), CK-MB mass ng/mL (= ug/L), CRP mg/L (mg/dL x 10),
WBC 10^9/L (= 10^3/uL), potassium mmol/L (= mEq/L). Reference ranges are typical adult upper
reference limits (99th percentile for hs-troponins, age < 75 cut-off for NT-proBNP); they flag
values for review and are not diagnostic thresholds.

Encoding: ``x = (t(v) - mean) / std`` with ``t = log1p`` for skewed labs, 0 where missing, and an
explicit mask (1 = present). Missing values are normal, never an error; impossible values and
unknown units raise ``ClinicalError`` naming the feature.
"""

from mirage_model.clinical.features import (KNOWN_FEATURES, SCHEMA_VERSION, SEX_CODE, ClinicalError,
                                            ClinicalFeature, LabsTableError, parse_sex)
from mirage_model.clinical.labs import LabsMatch, labs_record_id, match_labs_rows, read_labs_table, separator_line
from mirage_model.clinical.table_text import read_table_text
from mirage_model.clinical.schema import ClinicalSchema, default_schema
from mirage_model.clinical.values import (LABS_HEADER_NOTE, RECORD_FEATURES, header_disagreement,
                                          entry_status, header_disagreements, labs_header_note, parse_entry,
                                          record_values)

__all__ = ["KNOWN_FEATURES", "LABS_HEADER_NOTE", "RECORD_FEATURES", "SCHEMA_VERSION", "SEX_CODE",
           "ClinicalError", "ClinicalFeature", "ClinicalSchema", "LabsMatch", "LabsTableError",
           "default_schema", "entry_status", "header_disagreement", "header_disagreements", "labs_header_note",
           "labs_record_id", "match_labs_rows", "parse_entry", "parse_sex", "read_labs_table",
           "read_table_text", "record_values", "separator_line"]
