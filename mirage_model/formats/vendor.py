"""Clinical ECG formats through ecgdatakit: GE MUSE XML, Philips Sierra XML (XLI and plain), HL7
aECG, DICOM 12-lead / General ECG waveform (PS3.3 A.34), SCP-ECG (EN 1064), ISHNE and MFER; and GE
CardioSoft XML, for which ecgdatakit has no parser, through :mod:`cardiosoft`'s, into ecgdatakit's record.

ecgdatakit (Apache-2.0, UMMISCO/IRD) parses each format into its ``ECGRecord``; this module is the
path every one of them takes: it picks the parser for the format that :mod:`registry` recognised
(so the error names that format), guards XML against entity expansion and external entities with
defusedxml before any parser sees it (:mod:`xml_check`), runs the format's own checks and parser
adaptations (:mod:`dicom`, :mod:`muse`, :mod:`philips`, :mod:`aecg`, :mod:`scp`, :mod:`ishne`, :mod:`mfer`),
and turns the result into an ``EcgRecord``: its leads in mV (:mod:`lead_scale`), with the device's
statements, measurements and median beats kept apart as the device's (:mod:`device_report`).
"""

from __future__ import annotations

import importlib
import logging
import re
import tempfile
from datetime import date
from pathlib import Path

import numpy as np

from mirage_model.formats import aecg, cardiosoft, dicom, ishne, mfer, muse, philips, rates, scp
from mirage_model.formats.assemble import build_record, fail, fail_unless_ours, person_name
from mirage_model.formats.device_report import device_report, field_text, maker_name, median_beats
from mirage_model.formats.dicom_cut import cut_inside
from mirage_model.formats.extra import require
from mirage_model.formats.lead_scale import extra_mv, physical_mv, scale_said
from mirage_model.formats.reader_notes import collect_reader_notes
from mirage_model.formats.registry import read_head, unread_xml_ecg, xml_root
from mirage_model.formats.xml_check import MAX_XML_BYTES, check_xml, utf16_declared_otherwise, utf8_copy
from mirage_model.limits import MAX_SAMPLES, MAX_WAVEFORM_FILE_BYTES, read_part_note
from mirage_model.records.leads import canonical_lead
from mirage_model.records.record import EcgRecord, RecordError, fault_words
from mirage_model.words import counted

log = logging.getLogger(__name__)

# format id -> (ecgdatakit module, parser class)
_PARSERS = {
    "ge-muse-xml": ("ge_muse_xml", "GEMuseXMLParser"),
    "philips-xml": ("sierra_xml", "SierraXMLParser"),
    "hl7-aecg": ("hl7_aecg", "HL7aECGParser"),
    "dicom-ecg": ("dicom_waveform", "DICOMWaveformParser"),
    "scp-ecg": ("scp_ecg", "SCPECGParser"),
    "ishne": ("ishne_holter", "ISHNEHolterParser"),
    "mfer": ("mfer", "MFERParser"),
}
# formats ecgdatakit has no parser for: MIRAGE's own, which give ecgdatakit's ECGRecord as its parsers do
_OWN_PARSERS = {"ge-cardiosoft-xml": cardiosoft.CardioSoftParser}
_XML = ("ge-muse-xml", "ge-cardiosoft-xml", "philips-xml", "hl7-aecg")
# the format's own adaptation of ecgdatakit's parser
_ADAPT_PARSER = {"dicom-ecg": dicom.adapt_parser, "ge-muse-xml": muse.adapt_parser, "hl7-aecg": aecg.adapt_parser,
                 "ishne": ishne.adapt_parser, "mfer": mfer.adapt_parser, "philips-xml": philips.adapt_parser,
                 "scp-ecg": scp.adapt_parser}
# the DICOM parser's words for a file it could not read that say nothing of where it fails (a cut says)
_DICOM_UNSAID = ("no usable Waveform Sequence", "Failed to read DICOM file", "cannot decode an element",
                 "No tag to read")
# Formats that mark samples missing (DICOM's Waveform Padding Value, MFER's null value and data
# short of its frame, Philips' inoperative spans): those samples are NaN, and they flag their leads "missing".
_MARKS_MISSING = ("dicom-ecg", "mfer", "philips-xml")


def check_waveform_file_size(path: Path, fmt: str) -> None:
    """A DICOM or MFER file larger than ``limits.MAX_WAVEFORM_FILE_BYTES`` (428 MiB: MAX_SAMPLES
    samples a lead in 24 channels of 16 bits, plus header) is refused before it is opened: pydicom
    and ecgdatakit's MFER reader read the whole file into memory first (a DICOM followed by 1.5 GB
    of zeros was read element by element for minutes), and no ECG of either format MIRAGE reads
    can be that large."""
    size = path.stat().st_size
    if size > MAX_WAVEFORM_FILE_BYTES:
        raise fail(path, fmt, f"the file is {size / 2**20:,.0f} MB; files of this format are read up to "
                              f"{MAX_WAVEFORM_FILE_BYTES / 2**20:,.0f} MB ({MAX_SAMPLES:,} samples a lead, "
                              f"{MAX_SAMPLES / 100 / 3600:.3g} h at 100 Hz, in 24 channels of 16 bits, with its "
                              "header); a 24 h 12-lead Holter at 100 Hz is 207 MB")


def read_vendor(path: Path, fmt: str) -> EcgRecord:
    """Read one clinical ECG file whose format ``fmt`` was recognised from its content.

    Raises:
        RecordError: what is wrong, naming the file and the format (MissingExtraError when the
            'formats' extra is not installed).
    """
    if fmt == "xml":
        head = read_head(path)
        vendor = unread_xml_ecg(head)
        if vendor:
            raise RecordError(path, f"a {vendor} ECG (root element <{xml_root(head)}>), a format MIRAGE does not "
                                    "read (it reads GE MUSE <RestingECG>, GE CardioSoft <CardiologyXML>, Philips "
                                    "<restingecgdata> and HL7 aECG <AnnotatedECG>)")
        raise RecordError(path, f"an XML file, but not an ECG MIRAGE reads (root element "
                                f"<{xml_root(head)}>; expected GE MUSE <RestingECG>, GE CardioSoft <CardiologyXML>, "
                                "Philips <restingecgdata> or HL7 aECG <AnnotatedECG>)")
    require("ecgdatakit", path, fmt)
    encoding_note = None
    if fmt in _XML:
        size = path.stat().st_size
        if size > MAX_XML_BYTES:
            raise fail(path, fmt, f"the XML file is {size / 2**20:.0f} MB; ECG XML files up to "
                                  f"{MAX_XML_BYTES >> 20} MB are read (a 10 s ECG is under 1 MB, an hour at 500 Hz "
                                  "about 40 MB): export the stretch to review as a file of its own")
        encoding_note = check_xml(path, fmt)
    if fmt in ("dicom-ecg", "mfer"):
        check_waveform_file_size(path, fmt)
    if fmt == "dicom-ecg":
        dicom.check_dicom(path)
    if fmt == "scp-ecg":
        scp.check_scp_lengths(path)
    part = ishne.samples_to_read(path) if fmt == "ishne" else None   # (read, held, fs) of a Holter read in part
    if fmt in _OWN_PARSERS:
        parser = _OWN_PARSERS[fmt]()
    else:
        module, cls = _PARSERS[fmt]
        parser = getattr(importlib.import_module(f"ecgdatakit.parsing.parsers.{module}"), cls)()
    if fmt in _ADAPT_PARSER:
        parser = _ADAPT_PARSER[fmt](parser)
    if part:
        parser.keep_samples = part[0]
    # a UTF-16 file whose prolog declares another encoding is parsed from a UTF-8 copy (check_xml noted it)
    utf16 = utf16_declared_otherwise(path) if encoding_note and fmt in _XML else None
    read = path
    try:
        with collect_reader_notes() as caught, tempfile.TemporaryDirectory() as folder:
            if utf16 is not None:   # ecgdatakit's warnings and pydicom's log are collected alike
                read = utf8_copy(path, utf16[1], Path(folder))
            src = parser.parse(read)
    except RecordError:
        raise
    except Exception as err:  # ecgdatakit raises its own errors and, on damaged input, others
        # a DICOM cut inside an element: pydicom reads what is there, and the parser finds no waveform in it (or
        # fails on what follows); a complaint of its own of a group's fields ("multiplex group 1: ...") stands
        cut = cut_inside(path) if fmt == "dicom-ecg" and any(w in str(err) for w in _DICOM_UNSAID) else None
        raise fail_unless_ours(path, fmt, err, cut or _reason(err, read)) from None
    notes = tuple(dict.fromkeys([*caught, *([encoding_note] if encoding_note else [])]))
    notes = rates.without_rounding_notes(fmt, notes)
    cut = cut_inside(path) if fmt == "dicom-ecg" else None
    if cut:   # read without a word: the elements it lost (a median beat's group, say) are not in the file
        # a cut inside a median beat's group (``dicom_cut.read_before_cut_group``) reads the rhythm before it and no
        # median beat, not even the part of one the file holds
        held = ("the rhythm before the cut is read; the median beats the cut falls in are not read at all"
                if getattr(parser, "beats_cut", False) else "what it holds before the cut is read")
        notes = (*notes, f"DICOM: {cut}; {held}")
    return _to_record(path, fmt, src, notes, part)


def _reason(err: Exception, path: Path | None = None) -> str:
    """A reader's exception in words (``records.fault_words``: no class name, the file's path and name,
    which the RecordError names already, left out), with what a damaged base64 waveform, a file nested
    too deeply or one that declares too much data means."""
    text = fault_words(err, path)
    name = type(err).__name__
    if name in ("Error", "binascii.Error") or "base64" in text.lower() or "padding" in text.lower():
        return f"a waveform's base64 data is corrupt ({text})"
    if name == "MissingElementError" and re.fullmatch(r"[A-Za-z_][\w.-]*", text):
        # ecgdatakit's Philips parser names the element alone ("parsedwaveforms"): no problem said
        return f"the element <{text}> the format requires is missing"
    if isinstance(err, OSError) and text.lower().startswith("no tag to read at file position"):
        # pydicom past a cut in the full read: what dicom.check_dicom says of the same fault in its own read
        return f"the file cannot be parsed ({text}): it is damaged or cut short"
    if name == "BytesLengthException":
        # pydicom's text ends with advice on its own settings, which is no reader's business
        tag = re.search(r"\(([0-9A-Fa-f]{4},[0-9A-Fa-f]{4})\)", text)
        return (f"element {f'({tag[1]}) ' if tag else ''}holds a number of bytes its value representation does "
                "not allow: the file is damaged")
    if isinstance(err, RecursionError):
        return "the file is nested too deeply to be an ECG"
    if isinstance(err, MemoryError):
        return "the file declares more data than can be held in memory"
    if isinstance(err, ValueError) and ("nan" in str(err).lower() or "infinity" in str(err).lower()) \
            and not text.startswith("a number in the file"):
        return f"a number in the file is out of range or not a number ({text})"
    return text


def _to_record(path: Path, fmt: str, src, notes: tuple[str, ...], part: tuple | None = None) -> EcgRecord:
    if not src.leads:
        raise fail(path, fmt, "the file holds no waveform leads")
    # Monitors and Holters store other channels beside the ECG (blood pressure, respiration,
    # pacing status), often at other rates: only the ECG leads must agree, the rest is dropped.
    labels = file_labels([lead.label or "" for lead in src.leads])
    ecg = [lead for lead, label in zip(src.leads, labels) if canonical_lead(label) is not None]
    rates_hz = {int(lead.sampling_rate) for lead in ecg}
    if len(rates_hz) > 1:
        raise fail(path, fmt, f"ECG leads have different sampling frequencies ({sorted(rates_hz)} Hz)")
    if not rates_hz:
        labels = ", ".join(lead.label or "?" for lead in src.leads)
        raise fail(path, fmt, f"not enough ECG leads: has 0 of the 12 standard leads ({labels})")
    first = next(k for k, lead in enumerate(src.leads) if lead is ecg[0])
    fs = rates.stated_rate(fmt, src, rates_hz.pop(), index=first)
    keep = {id(lead) for lead in ecg}
    channels = [(label, physical_mv(lead, path, fmt) if id(lead) in keep else extra_mv(lead, ecg[0], path, fmt))
                for lead, label in zip(src.leads, labels)]
    starts = scp.lead_starts(path, ecg) if fmt == "scp-ecg" else {}
    if starts:   # leads recorded one group after another: each at its own time, missing elsewhere
        end = max(starts.get(id(lead), 0) + len(lead.samples) for lead in ecg)
        channels = [(label, np.concatenate([np.full(starts.get(id(lead), 0), np.nan), x,
                                            np.full(end - starts.get(id(lead), 0) - len(x), np.nan)])
                     if id(lead) in keep else x)
                    for lead, (label, x) in zip(src.leads, channels)]

    beats = median_beats(path, fmt, src)
    twice = beat_named_twice([lead.label or "" for lead in src.median_beats or ()])
    if beats and twice:
        beats, notes = None, (*notes, twice)
    if beats and fmt == "philips-xml":
        rhythm = {}
        for label, x in channels:
            mapped = canonical_lead(label or "")
            if mapped is not None and len(x) and mapped[0] not in rhythm:
                rhythm[mapped[0]] = x * mapped[1]
        disagree = philips.check_beat_scale(beats["leads"], rhythm)
        if disagree:
            beats, notes = None, (*notes, disagree)
    p, r = src.patient, src.recording
    dev = r.device
    device = " ".join(x for x in (maker_name(dev.manufacturer), field_text(dev.model)) if x)
    name = person_name(p.first_name, p.last_name)
    # ISHNE has no age field: the parser's whole years from the birth date would pass for a stated age
    info = {
        "patient_id": p.patient_id, "patient_name": name, "birth_date": p.birth_date,
        "age": None if fmt == "ishne" else p.age, "sex": p.sex, "acquired": r.date, "acquired_on": _acquired_on(src),
        "device": device,
        "site": field_text(dev.institution) or field_text(r.location),
        "device_report": device_report(fmt, src, device),
        "device_median_beats": beats,
        "meta": {"reader": "mirage" if fmt in _OWN_PARSERS else "ecgdatakit",
                 "amplitude_field": scp.amplitude_field(path) if fmt == "scp-ecg" else scale_said(ecg, fmt)},
    }
    if fmt == "scp-ecg":     # tag 4 alone: the parser's int() made an infant's 3 months 0 years, and
        info["age"], said = scp.section1(path)   # its whole years from the dates would pass for a stated age
        notes = (*notes, *said)
    if notes:
        info["meta"]["reader_warnings"] = notes
    declared = ishne.declared_samples(src) if fmt == "ishne" else None
    read = max((len(x) for _, x in channels), default=0)
    if part:   # an ISHNE Holter longer than limits.MAX_SAMPLES, read in part (ishne.samples_to_read)
        info["meta"]["read_part_note"] = read_part_note(*part, limit=ishne.MAX_SAMPLES)
        info["meta"]["recording_s"] = part[1] / part[2]    # the whole recording's length, of which this is the start
    elif declared is not None and read < declared:
        # a Holter file cut short (a copy interrupted) still decodes, frame by frame, to a shorter record:
        # said, not refused, as ecgdatakit reads it (its writers' counts are exact in the files we know)
        info["meta"]["declared_length_note"] = (f"the file holds {read / fs:.1f} s of the {declared / fs:.1f} s "
                                                f"its header declares ({read:,} of "
                                                f"{counted(declared, 'sample', ',')} per lead)")
    if starts:   # also a reader note, which the quality findings show beside the record
        note = scp.sequential_note([lead for lead in src.leads if id(lead) in keep], starts, fs)
        info["meta"]["sequential_leads_note"] = note
        info["meta"]["reader_warnings"] = (*info["meta"].get("reader_warnings", ()), note)
    return build_record(path, fmt, channels, fs, info=info, nan_is_missing=fmt in _MARKS_MISSING or bool(starts),
                        kind=_monitor_kind(fmt, src))


def file_labels(labels: list[str]) -> list[str]:
    """The leads' labels as the file wrote them. ecgdatakit's parsers make a label that the file repeats unique
    (two channels "I" come as "I" and "I_2": ``ecgdatakit.parsing.helpers.labels.unique_labels``), and "I_2" is
    no standard lead: the second channel was dropped and the first read as lead I without a word, where the same
    file as WFDB or EDF is said to name I twice. The suffix is taken off a label whose stem is another channel's
    label and a standard lead, so the lead matching names the lead twice (``lead_named_twice``: calls withheld)."""
    given = set(labels)
    out = []
    for label in labels:
        stem, _, n = label.rpartition("_")
        twin = stem in given and n.isdigit() and int(n) >= 2 and canonical_lead(stem) is not None
        out.append(stem if twin else label)
    return out


def beat_named_twice(labels: list[str]) -> str | None:
    """A reader note where the device's median beat names a standard lead on two of its channels (``labels``, the
    file's, in its order; "V1" and "Lead V1" alike), as the rhythm's ``lead_named_twice`` says of its own: which
    of them is that lead is unknown, so the device's beat is left out (the first had been drawn and measured as the
    lead and the second dropped without a word). None when every lead is named once."""
    first: dict[str, int] = {}
    twice = []
    for k, label in enumerate(file_labels(labels), 1):
        mapped = canonical_lead(label)
        if mapped is None:
            continue
        if mapped[0] in first:
            twice.append((mapped[0], first[mapped[0]], k))
        else:
            first[mapped[0]] = k
    if not twice:
        return None
    where = "; ".join(f"lead {lead} twice (channels {a} and {b})" for lead, a, b in twice)
    return (f"the device's median beat names {where}: which channel is {twice[0][0]} is unknown; the device's "
            "median beat was left out")


def _monitor_kind(fmt: str, src) -> str | None:
    """What an MFER file's preamble (free text, ISO 22077-1) says it is when it says a monitor's
    waveform (Nihon Kohden's CNS-6000 central monitor writes "MFR Monitoring Waveform"), else None."""
    preamble = field_text((getattr(src, "raw_metadata", None) or {}).get("preamble")) if fmt == "mfer" else ""
    return f"an MFER {preamble!r}, a monitor's recording" if "monitor" in preamble.lower() else None


def _acquired_on(src) -> date | None:
    """The acquisition's date when the file gives it without a time of day (ecgdatakit keeps it in
    ``raw_metadata["acquisition_date"]``, ISO, for DICOM and SCP-ECG, and no acquisition datetime);
    it gives the patient's age from a birth date. None when there is none or it is no date."""
    try:
        return date.fromisoformat(str((src.raw_metadata or {}).get("acquisition_date") or "")[:10])
    except ValueError:
        return None

