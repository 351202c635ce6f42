"""Findings from the file's own integrity checks, as its reader recorded them in the record's ``meta``: checksums
and CRCs, leads that end early, a file shorter than its header declares or read in part, leads inverted by a
negative gain, a lead named twice, leads without a calibration, and what the reader noticed and read past."""

from __future__ import annotations

import re

from mirage_model.quality.findings import Finding, leads_text
from mirage_model.records import STANDARD_LEADS
from mirage_model.records.leads import DERIVED_FROM
from mirage_model.records.metadata import SOURCE_PREFIX


def _integrity(meta: dict) -> list[Finding]:
    """Findings from the file's own integrity checks, as its reader recorded them in ``meta``: WFDB
    checksums that do not fit some leads' samples (a majority refuses the file), an SCP-ECG
    file whose CRC fails (the reader warns and decodes anyway: a damaged compressed stream decodes
    to a plausible-looking but wrong signal), leads that end early in a clinical file
    (``formats.assemble.build_record`` keeps the longest lead's length, the rest NaN), a file that
    holds fewer samples than its header declares (an ISHNE Holter cut short, a Holter read in part cut short
    after the part), a file read in part (an ISHNE, EDF/BDF or WFDB Holter longer than ``limits.MAX_SAMPLES``
    samples a lead), and leads
    that the header's negative gain turns upside down (a WFDB ADC gain, an EDF/BDF physical range
    from high to low: read so, as the format says), and WFDB leads without an ADC gain (uncalibrated:
    their amplitudes are a guess, so the calls are withheld)."""
    out = []
    short = tuple(meta.get("short_leads") or ())
    if short:
        out.append(Finding("short_leads", f"lead{'s' if len(short) > 1 else ''} shorter than the others in "
                           f"the file ({leads_text(short, noun=False)})", "warning", short,
                           str(meta.get("length_note") or "")))
    cut = meta.get("declared_length_note")
    if cut:
        out.append(Finding("file_truncated", "file shorter than its header declares (truncated?)", "warning", (),
                           str(cut)))
    part = meta.get("read_part_note")
    if part:   # a Holter longer than limits.MAX_SAMPLES: its first part alone was read, shown and scored
        out.append(Finding("read_in_part", str(part).split(" (", 1)[0], "warning", (), str(part)))
    bad = tuple(meta.get("checksum_mismatch") or ())
    if bad:
        out.append(Finding("file_checksum", "file checksum mismatch: these leads' samples may be damaged",
                           "warning", bad, "the header's checksum does not fit the samples read"))
    inverted = tuple(meta.get("negative_gain_leads") or ())
    if inverted and _all_inverted(meta, inverted):
        # dextrocardia or a lead reversal inverts some leads, never all: a header that inverts every lead the file
        # holds is a writer's sign error, and the calls read off the upside-down record ("Anterolateral infarct"
        # at MI 0.997 on PTB-XL 00417 so written) are withheld
        out.append(Finding("negative_gain", "every lead inverted by the header's negative gain: check the file's "
                           "gain sign (no heart inverts all leads)", "critical", inverted,
                           str(meta.get("negative_gain_note") or "")))
    elif inverted:
        out.append(Finding("negative_gain", "signal inverted by the header's negative gain "
                           f"({leads_text(inverted, noun=False)})",
                           "warning", inverted, str(meta.get("negative_gain_note") or "")))
    named_twice = tuple(meta.get("duplicate_leads") or ())
    if named_twice:
        # two channels carry one lead's name: which of them is that lead is unknown (lead I written as
        # "II" makes two IIs), so no call rests on it; the first was read as the lead, and the limb
        # leads derived from it would be wrong too. The viewer draws both.
        twins = meta.get("named_twice") or ()
        leads = tuple(dict.fromkeys(str(t["lead"]) for t in twins)) or named_twice
        where = _twin_channels(twins)
        # a limb lead derived from one of them (I named twice, III derived from I and II) is no surer than it
        derived = [lead for lead in meta.get("derived_leads") or () if set(DERIVED_FROM.get(lead, ())) & set(leads)]
        out.append(Finding("lead_named_twice",
                           f"lead {', '.join(leads)} named twice in the file: which channel is {leads[0]} is unknown",
                           "critical", leads if twins else (),
                           f"{where or ', '.join(named_twice)}; the first was read as the lead"
                           + (f" ({', '.join(derived)} derived from it)" if derived else "")
                           + "; the calls are withheld until the file's lead labels are checked"))
    uncalibrated = tuple(meta.get("uncalibrated_leads") or ())
    if uncalibrated:
        # amplitudes that are a guess carry no voltage finding (hypertrophy, low voltage, ST levels)
        out.append(Finding("uncalibrated", "amplitudes not calibrated in the file "
                           f"({leads_text(uncalibrated, noun=False)})",
                           "critical", uncalibrated, str(meta.get("uncalibrated_note") or "")))
    crc = [w for w in meta.get("reader_warnings") or () if "crc" in w.lower() or "checksum" in w.lower()]
    if crc:
        # SCP-ECG sections 2 (Huffman tables), 3 (lead definitions) and 6 (rhythm data) carry the
        # waveform: a failed CRC there means the signal itself may be wrong, so the calls are withheld
        waveform = any(re.search(r"section\s*[236]\b", w, re.I) for w in crc)
        out.append(Finding("file_checksum",
                           "file checksum (CRC) failed in the waveform data: the signal may be damaged" if waveform
                           else "file checksum (CRC) failed: the file may be damaged",
                           "critical" if waveform else "warning", (), "; ".join(crc)))
    other = [w for w in meta.get("reader_warnings") or () if w not in crc]
    if other:
        # what the format's reader noticed but read past (a malformed identifier, a field out of range):
        # said beside the record, as a warning; the signal read is the file's, the calls stand
        # a converted file's notes, all its source's (records.metadata.SOURCE_PREFIX): said so once, in front
        # ("the file reader reported a problem: in the source file: ..." said who twice over)
        source = all(w.startswith(SOURCE_PREFIX) for w in other)
        other = [w[len(SOURCE_PREFIX):] for w in other] if source else other
        first = other[0] if len(other[0]) <= 120 else other[0][:117] + "..."
        more = f" (and {len(other) - 1} more)" if len(other) > 1 else ""
        who = "the source file's reader" if source else "the file reader"
        out.append(Finding("reader_notes", f"{who} reported a problem: {first}{more}", "warning", (),
                           "; ".join(other)))
    return out


def _all_inverted(meta: dict, inverted: tuple[str, ...]) -> bool:
    """True when the header's negative gain inverts every lead the file stores, or all but one of at least six (the
    limb leads derived from an inverted I and II are inverted with them; leads the file lacks are not counted)."""
    skip = set(meta.get("derived_leads") or ()) | set(meta.get("absent_leads") or ())
    stored = [lead for lead in STANDARD_LEADS if lead not in skip]
    upright = [lead for lead in stored if lead not in inverted]
    return bool(stored) and (not upright or (len(upright) == 1 and len(stored) >= 6))


def _twin_channels(twins) -> str:
    """"V1: file channels 7 and 8" for each entry of ``meta["named_twice"]``."""
    return "; ".join(f"{t['lead']}: file channels {t['first_channel']} and {t['channel']}" for t in twins)


def missing_twin(meta: dict) -> tuple[str, str]:
    """Where the file has no channel for a lead and names another on more than one channel (V2's channel labelled
    "V1": no V2, V1 twice), the "lead_missing" finding's words that tie them (``electrode_off._missing``): its name's
    part ("one of the channels named V1 may be V2") and its detail's ("V2: no channel in the file; V1: file channels
    7 and 8"); ("", "") otherwise. Which channel is the missing lead is not guessed."""
    twins, absent = meta.get("named_twice") or (), [str(a) for a in meta.get("absent_leads") or ()]
    if not twins or not absent:
        return "", ""
    leads = list(dict.fromkeys(str(t["lead"]) for t in twins))
    return (f"one of the channels named {' or '.join(leads)} may be {' or '.join(absent)}",
            f"{', '.join(absent)}: no channel in the file; {_twin_channels(twins)}")
