"""Hostile and unusual variants of the project's own sample records, one file (or record) each, for
every reader: WFDB, PhysioNet Challenge .mat, EDF+, and the clinical exports (GE MUSE, Philips, HL7 aECG,
DICOM, SCP-ECG, ISHNE, MFER).

Signal variants (lead sets, vendor lead names, units, rates, lengths, NaN, all zero, names) are written
from LUDB record 1 as WFDB (wfdb.wrsamp) and EDF+ (edfio); byte-level variants (truncated at several
points, zero bytes, random bytes with the right extension, a huge declared length) are made of every
sample file. Each variant goes in its own folder under OUT, named after the variant, so that a batch over
OUT scores one row per variant.

    python scripts/fuzz_variants.py OUT            # write the variants, list them
    python scripts/fuzz_variants.py OUT --load     # and load each with load_record in a child process
                                                     (30 s, 2 GB), printing ok / error / BAD per variant
    python scripts/fuzz_variants.py OUT --messages # the damaged real samples alone, loaded here: a table
                                                     of format, damage and what load_record says
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "resources" / "samples"
FORMATS_DATA = ROOT / "tests" / "data" / "formats"
LUDB1 = SAMPLES / "ludb" / "1.hea"
STANDARD = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
CLINICAL = {"muse": "muse-sinus.xml", "philips": "129DYPRG.XML", "aecg": "aecg_subject1_0.xml",
            "dicom": "waveform_ecg.dcm", "scp": "Example.scp", "ishne": "ECG_P28.01.ecg",
            "cardiosoft": "cardiosoft-example1.xml"}


def _base() -> tuple[np.ndarray, float]:
    """LUDB record 1 as (12, T) mV at its rate (standard lead order)."""
    import wfdb

    ref = wfdb.rdrecord(str(LUDB1.with_suffix("")), physical=True)
    names = [n.lower() for n in ref.sig_name]
    sig = np.stack([ref.p_signal[:, names.index(n.lower())] for n in STANDARD])
    return sig, float(ref.fs)


def _resample(sig: np.ndarray, fs: float, new_fs: float, seconds: float | None = None) -> np.ndarray:
    """``sig`` (L, T) at ``new_fs`` (linear), cut or tiled to ``seconds``."""
    T = sig.shape[1]
    if seconds is not None and seconds * fs > T:
        sig = np.tile(sig, int(np.ceil(seconds * fs / T)))
        T = sig.shape[1]
    if seconds is not None:
        T = int(round(seconds * fs))
        sig = sig[:, :T]
    n = int(round(T * new_fs / fs))
    t_new = np.arange(n) / new_fs
    t_old = np.arange(T) / fs
    return np.stack([np.interp(t_new, t_old, row) for row in sig])


def wfdb_write(folder: Path, name: str, sig: np.ndarray, fs: float, names: list[str], units: str | list = "mV",
               comments: list[str] | None = None, fmt: str = "16") -> Path:
    """``sig`` (L, T) written with wfdb.wrsamp (NaN samples stored as WFDB's missing value)."""
    import wfdb

    folder.mkdir(parents=True, exist_ok=True)
    L = sig.shape[0]
    units = units if isinstance(units, list) else [units] * L
    finite = np.where(np.isfinite(sig), sig, 0.0)
    peak = max(float(np.abs(finite).max()), 1e-3)
    gain = [min(1000.0, 30000.0 / peak)] * L
    unique = [f"s{k}" for k in range(L)]     # wfdb refuses names used twice: the header gets the real ones
    wfdb.wrsamp(name, fs=fs, units=units, sig_name=unique, p_signal=sig.T.astype(np.float64),
                fmt=[fmt] * L, adc_gain=gain, baseline=[0] * L, comments=comments or [],
                write_dir=str(folder))
    hea = folder / f"{name}.hea"
    lines = hea.read_text(encoding="utf-8").splitlines()
    for k in range(L):
        parts = lines[1 + k].split(" ")
        parts[-1] = names[k]
        lines[1 + k] = " ".join(parts)
    hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return hea


def edf_write(folder: Path, name: str, sig: np.ndarray, fs: float, labels: list[str], dim: str = "mV",
              patient_name: str = "X") -> Path:
    from edfio import Edf, EdfSignal, Patient

    folder.mkdir(parents=True, exist_ok=True)
    signals = []
    for row, label in zip(sig, labels):
        lo, hi = (float(np.nanmin(row)), float(np.nanmax(row))) if np.isfinite(row).any() else (0.0, 0.0)
        if hi - lo < 1e-6:
            lo, hi = lo - 1.0, hi + 1.0
        signals.append(EdfSignal(np.asarray(row, dtype=np.float64), fs, label=label, physical_dimension=dim,
                                 physical_range=(lo, hi)))
    seconds = sig.shape[1] / fs
    duration = 1.0 if float(seconds).is_integer() else seconds
    edf = Edf(signals, patient=Patient(name=patient_name), data_record_duration=duration)
    path = folder / f"{name}.edf"
    edf.write(path)
    return path


def _signal_variants(sig: np.ndarray, fs: float) -> dict[str, tuple[np.ndarray, float, list[str], str, list[str]]]:
    """name -> (signal (L, T), fs, lead names, unit, comments)."""
    out = {}
    out["base"] = (sig, fs, STANDARD, "mV", [])
    out["one_lead_II"] = (sig[1:2], fs, ["II"], "mV", [])
    idx8 = [0, 1, 6, 7, 8, 9, 10, 11]
    out["eight_leads"] = (sig[idx8], fs, [STANDARD[k] for k in idx8], "mV", [])
    frank = sig[[0, 1, 7]] * 0.8
    out["fifteen_leads"] = (np.vstack([sig, frank]), fs, STANDARD + ["X", "Y", "Z"], "mV", [])
    out["duplicate_II"] = (np.vstack([sig, sig[1:2] * 0.5]), fs, STANDARD + ["II"], "mV", [])
    out["duplicate_names_all_II"] = (sig, fs, ["II"] * 12, "mV", [])
    out["lower_case"] = (sig, fs, [n.lower() for n in STANDARD], "mV", [])
    out["vendor_DI"] = (sig, fs, ["DI", "DII", "DIII", "aVr", "aVl", "aVf"] + STANDARD[6:], "mV", [])
    out["V4R_for_V4"] = (sig, fs, STANDARD[:9] + ["V4R"] + STANDARD[10:], "mV", [])
    out["microvolt_units"] = (sig * 1000, fs, STANDARD, "uV", [])
    out["microvolt_labelled_mV"] = (sig * 1000, fs, STANDARD, "mV", [])
    out["volt_units"] = (sig / 1000, fs, STANDARD, "V", [])
    out["nan_samples"] = (np.where(np.arange(sig.shape[1]) % 97 == 0, np.nan, sig), fs, STANDARD, "mV", [])
    nan_lead = sig.copy()
    nan_lead[3] = np.nan
    out["nan_one_lead"] = (nan_lead, fs, STANDARD, "mV", [])
    out["nan_all"] = (np.full_like(sig, np.nan), fs, STANDARD, "mV", [])
    out["all_zero"] = (np.zeros_like(sig), fs, STANDARD, "mV", [])
    out["constant_1mV"] = (np.ones_like(sig), fs, STANDARD, "mV", [])
    for rate in (128, 250, 257, 1000, 2000):
        out[f"rate_{rate}"] = (_resample(sig, fs, rate), float(rate), STANDARD, "mV", [])
    out["short_2.5s"] = (sig[:, : int(2.5 * fs)], fs, STANDARD, "mV", [])
    out["short_0.5s"] = (sig[:, : int(0.5 * fs)], fs, STANDARD, "mV", [])
    out["one_sample"] = (sig[:, :1], fs, STANDARD, "mV", [])
    out["long_5min"] = (_resample(sig, fs, fs, seconds=300), fs, STANDARD, "mV", [])
    out["non_ascii_name"] = (sig, fs, STANDARD, "mV", ["Name: Müller-Łukasz 李小龍 Ωmega", "Age: 54", "Sex: F"])
    return out


def _bytes_variants(src: list[Path], folder: Path, rng: random.Random, tag: str) -> dict[str, Path]:
    """Truncations, zero bytes and random bytes of the files ``src`` (the first is the one opened)."""
    out = {}
    main = src[0]
    data = main.read_bytes()
    for frac in (0.0, 0.01, 0.3, 0.6, 0.95):
        d = folder / f"{tag}_trunc{int(frac * 100):02d}"
        d.mkdir(parents=True)
        for f in src[1:]:
            shutil.copy(f, d / f.name)
        (d / main.name).write_bytes(data[: int(len(data) * frac)])
        out[d.name] = d / main.name
    d = folder / f"{tag}_random"
    d.mkdir(parents=True)
    for f in src[1:]:
        shutil.copy(f, d / f.name)
    (d / main.name).write_bytes(rng.randbytes(len(data)))
    out[d.name] = d / main.name
    return out


def _sub(pattern: bytes, repl: bytes, count: int = 0, last: bool = False):
    """An edit of a file's bytes: ``pattern`` replaced (every match, the first ``count``, or the last
    alone); a pattern that no longer matches the sample is a fault of this script, said so."""
    def edit(data: bytes) -> bytes:
        matches = list(re.finditer(pattern, data, flags=re.S))
        if not matches:
            raise ValueError(f"no {pattern!r} in the sample")
        if last:
            m = matches[-1]
            return data[: m.start()] + m.expand(repl) + data[m.end():]
        return re.sub(pattern, repl, data, count=count, flags=re.S)
    return edit


def _flip(where: float | int):
    """An edit that inverts one byte: at offset ``where`` (int) or that fraction of the file (float)."""
    def edit(data: bytes) -> bytes:
        k = where if isinstance(where, int) else int(len(data) * where)
        return data[:k] + bytes([data[k] ^ 0xFF]) + data[k + 1:]
    return edit


def _not_well_formed(data: bytes) -> bytes:
    """The first end tag after the middle of the file left without its name (``</a>`` -> ``</>``)."""
    m = re.compile(rb"</[A-Za-z][^>]*>").search(data, len(data) // 2)
    return data[: m.start()] + b"</>" + data[m.end():]


# (format tag, the sample, damage -> (what was done, in words; the edit of its bytes)); the edits of the
# XML exports damage the rhythm (the last block of a CardioSoft file, the first of a MUSE one)
DAMAGE = {
    "muse": ("muse-sinus.xml", {
        "not_well_formed": ("an end tag's name removed", _not_well_formed),
        "rate_emptied": ("<SampleBase> emptied", _sub(rb"<SampleBase>\d+<", b"<SampleBase><")),
        "scale_emptied": ("<LeadAmplitudeUnitsPerBit> emptied",
                          _sub(rb"<LeadAmplitudeUnitsPerBit>[^<]*<", b"<LeadAmplitudeUnitsPerBit><")),
        "units_wrong": ("<LeadAmplitudeUnits> FURLONGS", _sub(rb"MICROVOLTS", b"FURLONGS")),
        "data_damaged": ("'!' in the rhythm's lead I base64 <WaveFormData>",
                         lambda d: d[: d.index(b">Rhythm<")] + re.sub(rb"(<WaveFormData>\s*.{40})", rb"\1!",
                                                                      d[d.index(b">Rhythm<"):], count=1)),
        "count_wrong": ("<LeadSampleCountTotal> 4000", _sub(rb"<LeadSampleCountTotal>5000<",
                                                            b"<LeadSampleCountTotal>4000<")),
    }),
    "cardiosoft": ("cardiosoft-example1.xml", {
        "not_well_formed": ("an end tag's name removed", _not_well_formed),
        "rate_emptied": ("<StripData>'s <SampleRate> emptied",
                         _sub(rb'<SampleRate units="Hz">\d+<', b'<SampleRate units="Hz"><', last=True)),
        "scale_emptied": ("<StripData>'s <Resolution> emptied",
                          _sub(rb'<Resolution units="uVperLsb">[^<]*<', b'<Resolution units="uVperLsb"><',
                               last=True)),
        "units_wrong": ("<StripData>'s <Resolution units=\"mVperLsb\">",
                        _sub(rb'units="uVperLsb"', b'units="mVperLsb"', last=True)),
        "data_damaged": ("'x' for a sample of lead I in <StripData>",
                         _sub(rb'(<WaveformData lead="I">[^,]*),', rb"\1,x", last=True)),
        "count_wrong": ("<StripData>'s <ChannelSampleCountTotal> 4000",
                        _sub(rb"<ChannelSampleCountTotal>\d+<", b"<ChannelSampleCountTotal>4000<", last=True)),
        "leads_emptied": ("every <WaveformData> of <StripData> emptied",
                          lambda d: d[: d.rindex(b"<StripData>")] + re.sub(
                              rb"(<WaveformData[^>]*>)[^<]*<", rb"\1<", d[d.rindex(b"<StripData>"):])),
    }),
    "philips": ("129DYPRG.XML", {
        "not_well_formed": ("an end tag's name removed", _not_well_formed),
        "rate_emptied": ("<samplingrate> emptied", _sub(rb"<samplingrate>\d+<", b"<samplingrate><")),
        "scale_emptied": ("<signalresolution> emptied", _sub(rb"<signalresolution>[^<]*<", b"<signalresolution><")),
        "data_damaged": ("'!' in the base64 <parsedwaveforms>",
                         _sub(rb"(<parsedwaveforms[^>]*>)(.{40})", rb"\1!!!!\2", count=1)),
    }),
    "aecg": ("aecg_subject1_0.xml", {
        "not_well_formed": ("an end tag's name removed", _not_well_formed),
        "rate_emptied": ("<increment value=\"\">", _sub(rb'<increment value="[^"]*"', b'<increment value=""')),
        "scale_emptied": ("<scale value=\"\">", _sub(rb'<scale value="[^"]*"', b'<scale value=""')),
        "units_wrong": ("<scale unit=\"s\">",
                        _sub(rb'<scale value="([^"]*)" unit="uV"', rb'<scale value="\1" unit="s"')),
        "data_damaged": ("'x' among the <digits>", _sub(rb"(<digits>\s*-?\d+) ", rb"\1 x ", count=1)),
    }),
    "dicom": ("waveform_ecg.dcm", {
        "header_flip": ("a byte of the header inverted (offset 200)", _flip(200)),
        "data_flip": ("a byte of the data inverted (half way)", _flip(0.5)),
        "trunc_header": ("cut after 400 bytes", lambda d: d[:400]),
    }),
    "scp": ("Example.scp", {
        "header_flip": ("a byte of section 0 inverted (offset 30)", _flip(30)),
        "crc_flip": ("the file's CRC inverted (offset 0)", _flip(0)),
        "data_flip": ("a byte of the data inverted (half way)", _flip(0.5)),
    }),
    "ishne": ("ECG_P28.01.ecg", {
        "header_flip": ("a byte of the header inverted (offset 100)", _flip(100)),
        "magic_flip": ("the magic number's first byte inverted", _flip(0)),
        "data_flip": ("a byte of the data inverted (half way)", _flip(0.5)),
    }),
}
# WFDB headers of resources/samples: the same damage in the text of a header
WFDB_DAMAGE = {
    "rate_emptied": ("the sampling frequency emptied", lambda t: re.sub(r"^(\S+ \d+) \d+", r"\1 ", t, count=1)),
    "units_wrong": ("the first signal's units 'furlong'", lambda t: t.replace("/mV", "/furlong", 1)),
    "gain_not_number": ("the first signal's gain 'x'", lambda t: re.sub(r"(\n\S+ \S+ )[\d.]+", r"\1x", t, count=1)),
}


def damage_variants(out: Path) -> dict[str, tuple[Path, str, str]]:
    """Damaged copies of each real sample (tests/data/formats, resources/samples), each in its folder
    under ``out``: {variant: (the path to open, the format's tag, the damage in words)}."""
    made = {}
    for tag, (fname, damages) in DAMAGE.items():
        src = FORMATS_DATA / fname
        if not src.is_file():
            continue
        data = src.read_bytes()
        for damage, (words, edit) in damages.items():
            d = out / f"{tag}_{damage}"
            d.mkdir(parents=True)
            (d / fname).write_bytes(edit(data))
            made[d.name] = (d / fname, tag, words)
        d = out / f"{tag}_trunc_half"
        d.mkdir(parents=True)
        (d / fname).write_bytes(data[: len(data) // 2])
        made[d.name] = (d / fname, tag, "cut to half its length")
    for tag, hea in (("ludb", SAMPLES / "ludb" / "1.hea"), ("cinc", SAMPLES / "cinc2021" / "A0003.hea"),
                     ("ptbxl", next(iter(sorted((SAMPLES / "ptbxl" / "records100").glob("*/*.hea"))), None))):
        if hea is None or not hea.is_file():
            continue
        signal_file = next(p for p in hea.parent.glob(hea.stem + ".*") if p.suffix != ".hea")
        for damage, (words, edit) in {**WFDB_DAMAGE, "trunc_signal": ("signal file cut to half", None)}.items():
            d = out / f"{tag}_{damage}"
            d.mkdir(parents=True)
            shutil.copy(signal_file, d / signal_file.name)
            text = hea.read_text(encoding="latin-1")
            (d / hea.name).write_text(text if edit is None else edit(text), encoding="latin-1")
            if edit is None:
                sig = signal_file.read_bytes()
                (d / signal_file.name).write_bytes(sig[: len(sig) // 2])
            made[d.name] = (d / hea.name, tag, words)
    return made


def _messages(made: dict[str, tuple[Path, str, str]]) -> None:
    """Load each damaged variant here and print a markdown table: variant, damage, what load_record says."""
    from mirage_model.records import RecordError, load_record

    print("| variant | damage | outcome |\n|---|---|---|")
    for name, (path, _, words) in made.items():
        try:
            rec = load_record(path)
            said = f"reads ({rec.signal.shape[1]} samples at {rec.fs:g} Hz)"
        except RecordError as err:
            said = str(err).replace(str(path.parent) + "/", "")
        except Exception as err:   # noqa: BLE001 -- a traceback is what the table is there to find
            said = f"BAD {type(err).__name__}: {err}"
        print(f"| {name} | {words} | {said.replace('|', '/')} |", flush=True)


def make_variants(out: Path, seed: int = 36) -> dict[str, Path]:
    """Write every variant under ``out``; returns {variant name: the path to open}."""
    rng = random.Random(seed)
    sig, fs = _base()
    made: dict[str, Path] = {}
    for name, (s, rate, names, unit, comments) in _signal_variants(sig, fs).items():
        d = out / f"wfdb_{name}"
        try:
            made[d.name] = wfdb_write(d, "rec", s, rate, names, unit, comments)
        except Exception as err:   # noqa: BLE001 -- a variant wfdb cannot write is skipped, and said so
            print(f"skip {d.name}: wfdb cannot write it ({err})", file=sys.stderr)
        if name in ("non_ascii_name",):
            continue
        d = out / f"edf_{name}"
        try:
            made[d.name] = edf_write(d, "rec", s, rate, [f"ECG {n}" for n in names], dim=unit)
        except Exception as err:   # noqa: BLE001
            print(f"skip {d.name}: edfio cannot write it ({err})", file=sys.stderr)
            shutil.rmtree(d, ignore_errors=True)
    d = out / "edf_non_ascii_name"
    made[d.name] = edf_write(d, "rec", sig, fs, [f"ECG {n}" for n in STANDARD], patient_name="Muller")
    data = bytearray(made[d.name].read_bytes())
    data[8:88] = "Müller_Łukasz_李".encode("utf-8").ljust(80)[:80]
    made[d.name].write_bytes(bytes(data))

    # WFDB record-level faults
    base = made["wfdb_base"]
    def copy_base(name: str) -> Path:
        d = out / name
        d.mkdir(parents=True)
        shutil.copy(base, d / "rec.hea")
        shutil.copy(base.with_suffix(".dat"), d / "rec.dat")
        return d / "rec.hea"
    made.update({k: v for k, v in _bytes_variants([base.with_suffix(".dat"), base], out, rng, "wfdb_dat").items()})
    made.update({k: v.with_suffix(".hea") for k, v in
                 _bytes_variants([base, base.with_suffix(".dat")], out, rng, "wfdb_hea").items()})
    hea = copy_base("wfdb_missing_dat")
    hea.with_suffix(".dat").unlink()
    made["wfdb_missing_dat"] = hea
    for name, length in (("wfdb_length_short", 4000), ("wfdb_length_long", 6000), ("wfdb_length_huge", 10**12),
                         ("wfdb_length_2e9", 2 * 10**9)):
        hea = copy_base(name)
        lines = hea.read_text().splitlines()
        parts = lines[0].split()
        parts[3] = str(length)
        lines[0] = " ".join(parts)
        hea.write_text("\n".join(lines) + "\n")
        made[name] = hea
    hea = copy_base("wfdb_header_only_no_signal_lines")
    lines = hea.read_text().splitlines()
    hea.write_text(lines[0] + "\n")
    made["wfdb_header_only_no_signal_lines"] = hea
    # a directory named like a record (and like each clinical file)
    for name, leaf in (("dir_like_hea", "rec.hea"), ("dir_like_dat", "rec.dat"), ("dir_like_edf", "rec.edf"),
                       ("dir_like_xml", "rec.xml"), ("dir_like_dcm", "rec.dcm")):
        d = out / name / leaf
        d.mkdir(parents=True)
        if leaf == "rec.dat":
            shutil.copy(base, out / name / "rec.hea")
            made[name] = out / name / "rec.hea"
        else:
            made[name] = d
    # Challenge .mat with NaN / inf
    import scipy.io
    for name, poison in (("mat_nan", np.nan), ("mat_inf", np.inf)):
        d = out / name
        d.mkdir(parents=True)
        shutil.copy(SAMPLES / "cinc2021" / "A0003.hea", d / "A0003.hea")
        val = scipy.io.loadmat(str(SAMPLES / "cinc2021" / "A0003.mat"))["val"].astype(np.float64)
        val[:, ::50] = poison
        scipy.io.savemat(str(d / "A0003.mat"), {"val": val}, format="5")
        made[name] = d / "A0003.hea"

    # EDF faults
    edf = made["edf_base"]
    made.update(_bytes_variants([edf], out, rng, "edf"))
    d = out / "edf_nrec_huge"
    d.mkdir(parents=True)
    data = bytearray(edf.read_bytes())
    data[236:244] = b"99999999"
    (d / "rec.edf").write_bytes(bytes(data))
    made[d.name] = d / "rec.edf"
    d = out / "edf_header_only"
    d.mkdir(parents=True)
    ns = int(data[252:256])
    (d / "rec.edf").write_bytes(edf.read_bytes()[: 256 * (ns + 1)])
    made[d.name] = d / "rec.edf"

    # clinical files: bytes variants, zero bytes, non-ASCII name, vendor lead names
    for tag, fname in CLINICAL.items():
        src = FORMATS_DATA / fname
        if not src.is_file():
            continue
        d = out / f"{tag}_ok"
        d.mkdir(parents=True)
        shutil.copy(src, d / fname)
        made[d.name] = d / fname
        made.update(_bytes_variants([src], out, rng, tag))
    if (FORMATS_DATA / CLINICAL["muse"]).is_file():
        text = (FORMATS_DATA / CLINICAL["muse"]).read_text(encoding="latin-1")
        for name, edit in (
                ("muse_non_ascii_name", lambda t: re.sub(r"<PatientLastName>[^<]*<",
                                                         "<PatientLastName>M&#252;ller &#26446;&#23567;<", t)),
                ("muse_lower_leads", lambda t: re.sub(r"<LeadID>([^<]*)<", lambda m: f"<LeadID>{m[1].lower()}<", t)),
                ("muse_vendor_leads", lambda t: t.replace("<LeadID>I<", "<LeadID>DI<")
                                                  .replace("<LeadID>II<", "<LeadID>DII<")),
                ("muse_dup_leads", lambda t: t.replace("<LeadID>V3<", "<LeadID>V2<")),
                ("muse_rate_257", lambda t: re.sub(r"<SampleBase>\d+<", "<SampleBase>257<", t)),
                ("muse_units_uv_labelled", lambda t: re.sub(r"<LeadAmplitudeUnitsPerBit>[^<]*<",
                                                            "<LeadAmplitudeUnitsPerBit>4.88<", t)),
                ("muse_sample_count_huge", lambda t: re.sub(r"<LeadSampleCountTotal>\d+<",
                                                            "<LeadSampleCountTotal>999999999<", t)),
        ):
            d = out / name
            d.mkdir(parents=True)
            (d / "muse.xml").write_text(edit(text), encoding="latin-1")
            made[name] = d / "muse.xml"
    # zero-byte files of every extension
    for ext in (".hea", ".edf", ".xml", ".dcm", ".scp", ".ecg", ".mwf", ".bdf"):
        d = out / f"zero{ext.replace('.', '_')}"
        d.mkdir(parents=True)
        (d / f"rec{ext}").write_bytes(b"")
        made[d.name] = d / f"rec{ext}"
    # random bytes with the extension of each format
    for ext in (".edf", ".xml", ".dcm", ".scp", ".ecg", ".mwf", ".bdf", ".dat"):
        d = out / f"random{ext.replace('.', '_')}"
        d.mkdir(parents=True)
        (d / f"rec{ext}").write_bytes(rng.randbytes(20000))
        made[d.name] = d / f"rec{ext}"
    # just short of the scoring limit at an odd rate: 999 samples at 499.7 Hz (1.9992 s)
    d = out / "wfdb_rate_499.7_999_samples"
    made[d.name] = wfdb_write(d, "rec", _resample(sig, fs, 499.7)[:, :999], 499.7, STANDARD)
    # DICOM fields that disagree with the rhythm's Waveform Data, or are no number
    if (FORMATS_DATA / CLINICAL["dicom"]).is_file():
        import warnings

        import pydicom
        for name, field, value in (("dicom_nsamples_huge", "NumberOfWaveformSamples", 10**9),
                                   ("dicom_nsamples_small", "NumberOfWaveformSamples", 100),
                                   ("dicom_rate_nan", "SamplingFrequency", "NaN")):
            ds = pydicom.dcmread(FORMATS_DATA / CLINICAL["dicom"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                setattr(ds.WaveformSequence[0], field, value)
            d = out / name
            d.mkdir(parents=True)
            ds.save_as(d / "wave.dcm", enforce_file_format=False)
            made[name] = d / "wave.dcm"
    # file names whose bytes are not UTF-8 (a Latin-1 system's archive), where the file system allows them
    import os
    for name, src in (("name_latin1_edf", made["edf_base"]), ("name_latin1_dcm", made.get("dicom_ok"))):
        if src is None:
            continue
        d = out / name
        d.mkdir(parents=True)
        try:
            target = d / os.fsdecode(b"M\xfcller" + src.suffix.encode())
            shutil.copy(src, target)
            made[name] = target
        except (OSError, UnicodeError):
            shutil.rmtree(d, ignore_errors=True)
    d = out / "random_hea_text"
    d.mkdir(parents=True)
    (d / "rec.hea").write_text("rec 12 500 5000\n" + "garbage line\n" * 12)
    made[d.name] = d / "rec.hea"
    made.update({f"damaged_{k}": v[0] for k, v in damage_variants(out / "damaged").items()})
    return made


def _load_one(path: str) -> dict:
    """load_record(path) in this process: {"status": ok/error/BAD, "detail": ...}."""
    import math

    from mirage_model.records import RecordError, load_record

    try:
        rec = load_record(path)
    except RecordError as err:
        ok = str(err).startswith(str(err.path))
        return {"status": "error" if ok else "BAD", "detail": str(err)[:300]}
    except BaseException as err:   # noqa: BLE001
        return {"status": "BAD", "detail": f"{type(err).__name__}: {err}"[:300]}
    sig = rec.signal
    bad = []
    if sig.shape[0] != 12 or sig.dtype != np.float32:
        bad.append(f"shape {sig.shape} {sig.dtype}")
    missing = rec.quality["missing"]
    if np.isnan(sig[~missing]).any():
        bad.append("NaN in a lead not flagged missing")
    if np.isinf(sig).any():
        bad.append("inf")
    if not (math.isfinite(rec.fs) and rec.fs > 0):
        bad.append(f"fs {rec.fs}")
    detail = (f"{sig.shape[1]} samples at {rec.fs:g} Hz, missing {int(missing.sum())}, "
              f"derived {int(rec.quality['derived'].sum())}, flat {int(rec.quality['flat'].sum())}")
    return {"status": "BAD" if bad else "ok", "detail": "; ".join(bad) or detail}


def _report_all(made: dict[str, Path], out: Path) -> None:
    """``mirage report`` of each variant, in this process (the model loads once per call): ok / error / BAD
    (exit code 1 with an unexpected error, a traceback, a PDF missing after exit 0, over 60 s)."""
    import contextlib
    import io
    import signal
    import time

    from training_cli.main import main as mirage

    class Late(Exception):
        pass

    def late(*_):
        raise Late

    signal.signal(signal.SIGALRM, late)
    pdfs = out.parent / (out.name + "_pdf")
    pdfs.mkdir(exist_ok=True)
    for name, path in made.items():
        pdf = pdfs / f"{name}.pdf"
        err, std = io.StringIO(), io.StringIO()
        t0 = time.perf_counter()
        signal.alarm(60)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
                rc = mirage(["report", str(path), "--out", str(pdf), "--overwrite", "--no-explain"])
        except Late:
            rc = "hang"
        except BaseException as exc:   # noqa: BLE001
            rc = f"raised {type(exc).__name__}: {exc}"
        finally:
            signal.alarm(0)
        text = (err.getvalue() + std.getvalue()).strip().replace("\n", " | ")
        bad = (not isinstance(rc, int) or "Traceback" in text or "run with --verbose" in text
               or (rc == 0 and not pdf.is_file()) or (rc != 0 and f"{path.parent}/{path.stem}" not in text))
        status = "BAD" if bad else "ok" if rc == 0 else "error"
        print(f"{name:34s} {status:6s} rc={rc} {time.perf_counter() - t0:5.1f}s {text[:260]}", flush=True)


def _app_all(made: dict[str, Path], export: bool = False) -> None:
    """Open each variant in the app's window (offscreen, the default model): ok / error / BAD (an error
    logged with a traceback, an exception, 'nan' in any visible text, no end of the analysis within 60 s); with
    ``export``, each record that opened is exported as PDF too (the window's Export)."""
    import logging
    import os
    import re
    import time

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    import tempfile
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from app.main_window import MainWindow
    from app.settings import Settings

    errors: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage()[-400:])
    logging.getLogger().addHandler(Catch())
    sys.excepthook = lambda t, e, tb: errors.append(f"{t.__name__}: {e}")
    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    window.load_model()
    t0 = time.perf_counter()
    while window.model_worker is not None and time.perf_counter() - t0 < 120:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    for name, path in made.items():
        errors.clear()
        done = []
        loop = QEventLoop()
        window.analysisFinished.connect(loop.quit)
        window.analysisFinished.connect(lambda: done.append(1))
        t0 = time.perf_counter()
        QTimer.singleShot(60000, loop.quit)
        window.open_record(path)
        if not done:
            loop.exec()
        window.analysisFinished.disconnect()
        for _ in range(20):              # late results (measurements, explanations) land
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        texts = [w.text() for w in window.findChildren(QLabel) if w.isVisible() and w.text()]
        # a value shown as NaN or inf ("QT: nan ms"), not the words of a message ("missing or NaN")
        nan = [t for t in texts if re.search(r"[:=]\s*[-+]?(?:nan|inf)\b|\b(?:nan|inf)\s*(?:ms|bpm|mV|s|%|°)(?!\w)",
                                             t, re.I)]
        msg = window.message_bar.text() if window.message_bar.isVisible() else ""
        state = window.results.state.text()
        if export and window.session is not None and window.session.record is not None:
            pdf = Path(tempfile.mkdtemp()) / f"{name}.pdf"
            outcome: list[str] = []
            loop = QEventLoop()
            window.reportWritten.connect(lambda p: (outcome.append("written"), loop.quit()))
            window.reportFailed.connect(lambda p, m: (outcome.append(f"failed: {m}"), loop.quit()))
            QTimer.singleShot(60000, loop.quit)
            window.export_pdf(pdf)
            if not outcome:
                loop.exec()
            window.reportWritten.disconnect()
            window.reportFailed.disconnect()
            shown = window.message_bar.text() if window.message_bar.isVisible() else ""
            state += f" | PDF {outcome[0] if outcome else 'no answer in 60 s'}" + (f" ({shown})" if shown else "")
            if not outcome or (outcome[0] == "written" and not pdf.is_file()):
                errors.append("PDF export")
        bad = errors or nan or not done
        status = "BAD" if bad else "error" if msg.startswith("Could not open") else "ok"
        detail = ((f"{'no end ' if not done else ''}{errors[:2]} {nan[:2]} " if bad else "")
                  + " | ".join(t for t in (msg, state) if t))
        print(f"{name:34s} {status:6s} {time.perf_counter() - t0:5.1f}s {detail[:300]}", flush=True)
    window.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--load", action="store_true", help="load each variant in a child process")
    ap.add_argument("--report", action="store_true", help="write each variant's PDF with mirage report")
    ap.add_argument("--app", action="store_true", help="open each variant in the app's window (offscreen)")
    ap.add_argument("--export", action="store_true", help="with --app: export each opened record's PDF")
    ap.add_argument("--messages", action="store_true",
                    help="the damaged real samples alone: a table of what load_record says of each")
    ap.add_argument("--only", help="variants whose name holds this text")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(_load_one(args.one)))
        return 0
    if args.out.exists():
        shutil.rmtree(args.out)
    if args.messages:
        damaged = damage_variants(args.out)
        _messages({k: v for k, v in damaged.items() if not args.only or args.only in k})
        return 0
    made = make_variants(args.out)
    (args.out / "variants.json").write_text(json.dumps({k: str(v) for k, v in made.items()}, indent=1))
    if args.only:
        made = {k: v for k, v in made.items() if args.only in k}
    if args.report:
        _report_all(made, args.out)
        return 0
    if args.app:
        _app_all(made, export=args.export)
        return 0
    if not args.load:
        for k, v in made.items():
            print(k, v)
        return 0
    for name, path in made.items():
        cmd = [sys.executable, "-c", "import resource,sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30));"
               f"sys.argv=['x', '{args.out}', '--one', sys.argv[1]]; sys.path.insert(0, '{ROOT / 'scripts'}');"
               "import fuzz_variants; fuzz_variants.main(sys.argv[1:])", str(path)]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            res = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 and p.stdout.strip() else \
                {"status": "BAD", "detail": f"exit {p.returncode}: {p.stderr.strip()[-300:]}"}
        except subprocess.TimeoutExpired:
            res = {"status": "BAD", "detail": "hang > 30 s"}
        print(f"{name:34s} {res['status']:6s} {res['detail']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
