"""``mirage robustness`` on 100 Hz records: "mains 60 Hz" adds nothing at 100 Hz (60 Hz lies above the records'
Nyquist frequency, 50 Hz: perturb.mains leaves out a component above it), yet its row had read "0% (0/2) changed,
gated 0%", as if the model and the quality gate withstood 60 Hz mains that no copy carried. The row is marked and a
line under the table (and the log) says how many records it left as they were, at which rate, and what to give."""
from mirage_model.paths import resources_dir
from mirage_model.records import load_record
from training_cli.commands import robustness

from test_robustness_cli import LeadIPolarity

SAMPLES = resources_dir() / "samples"


def test_a_perturbation_that_leaves_records_as_they_were_is_said():
    at_100 = [load_record(p) for p in sorted((SAMPLES / "ptbxl").rglob("*.hea"))[:2]]
    at_500 = [load_record(p) for p in sorted(SAMPLES.rglob("A0003.hea"))]
    assert {r.fs for r in at_100} == {100.0} and [r.fs for r in at_500] == [500.0]
    records = at_100 + at_500
    result = robustness.benchmark(LeadIPolarity(), records, ["mains 60 Hz 0.1 mV", "mains 50 Hz 0.1 mV"])
    sixty, fifty = result["rows"]
    assert (sixty["unchanged"], sixty["unchanged_rates"]) == (2, [100.0])     # the 500 Hz record got its mains
    assert fifty["unchanged"] == 0                  # 50 Hz on a 100 Hz record's Nyquist is sampled, as a recorder does
    md = robustness.to_markdown(result, "m", "samples").splitlines()
    assert md[5].startswith("| mains 60 Hz 0.1 mV (records left unchanged: below) | ")
    assert md[6].startswith("| mains 50 Hz 0.1 mV | ")
    assert md[-1] == ("mains 60 Hz 0.1 mV left 2 of 3 records as they were (at 100 Hz, whose Nyquist frequency is "
                      "50 Hz): its row measures no fault on them; --rate 500 resamples the records before perturbing")
