"""Clinical ECG formats through ecgdatakit: GE MUSE XML, Philips Sierra XML (XLI and plain), HL7
aECG, DICOM 12-lead / General ECG waveform (PS3.3 A.34), SCP-ECG (EN 1064), ISHNE and MFER; and GE
CardioSoft XML, for which ecgdatakit has no parser, through :mod:`cardiosoft`'s, into ecgdatakit's record.

ecgdatakit (Apache-2.0, UMMISCO/IRD) parses each format into its ``ECGRecord``; this module is the
path every one of them takes: it picks the parser for the format that :mod:`registry` recognised
(so the error names that format), guards XML against entity expansion and external entities with
defusedxml before any parser sees it, runs the format's own checks and parser adaptations
(:mod:`dicom`, :mod:`muse`, :mod:`philips`, :mod:`aecg`, :mod:`scp`,
:mod:`ishne`, :mod:`mfer`), and turns the result into an
``EcgRecord`` with the device's statements, measurements and median beats kept apart as the
device's.
"""

from __future__ import annotations

import importlib
import logging
import math
import re
import tempfile
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np

from mirage_model.formats import aecg, cardiosoft, dicom, ishne, mfer, muse, philips, rates, scp
from mirage_model.formats.assemble import build_record, fail, fail_unless_ours, format_name, person_name
from mirage_model.formats.extra import require
from mirage_model.formats.reader_notes import collect_reader_notes
from mirage_model.formats.registry import FORMATS, read_head, unread_xml_ecg, utf16_without_bom, xml_root
from mirage_model.limits import MAX_MV_PER_UNIT, MAX_SAMPLES, MAX_WAVEFORM_FILE_BYTES, MIN_MV_PER_UNIT, read_part_note
from mirage_model.records.extra_leads import is_extra_lead
from mirage_model.records.leads import canonical_lead, unit_scale
from mirage_model.records.record import EcgRecord, RecordError, fault_words, raise_own_fault
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
_DEVICE_ANALYSIS = {"ge-muse-xml": "GE 12SL", "philips-xml": "Philips DXL"}   # else the file's (raw_metadata)
# Formats that mark samples missing (DICOM's Waveform Padding Value, MFER's null value and data
# short of its frame, Philips' inoperative spans): those samples are NaN, and they flag their leads "missing".
_MARKS_MISSING = ("dicom-ecg", "mfer", "philips-xml")
# An XML ECG larger than this is refused before it is parsed: a 10 s ECG is under 1 MB, and
# parsing costs about ten times the file's size in memory (text digits become Python strings).
MAX_XML_BYTES = 64 << 20


def check_xml(path: Path, fmt: str) -> str | None:
    """Parse ``path`` with defusedxml: entity declarations and external references are refused.

    Returns:
        A reader note when the text is not in the encoding the file declares (UTF-8 when it
        declares none: a Latin-1 patient name in a file that declares no encoding): the text, read
        as ecgdatakit's parsers read it then (as UTF-8, else Latin-1), passed the same checks; or
        when it is UTF-16 without a byte-order mark under a prolog that declares another encoding
        (``utf16_declared_otherwise``: ``read_vendor`` parses it from a UTF-8 copy); else None.

    Raises:
        RecordError: the XML declares entities, refers to external ones, or is not well formed.
    """
    defused = require("defusedxml.ElementTree", path, fmt)
    from defusedxml import DefusedXmlException  # lazy: the formats extra (require() checked it above)

    try:
        defused.parse(str(path), forbid_dtd=False, forbid_entities=True, forbid_external=True)
        return _utf8_declared_as_latin1(path)
    except DefusedXmlException:
        raise fail(path, fmt, _UNSAFE_XML) from None
    except Exception as err:  # xml.etree.ElementTree.ParseError, UnicodeDecodeError, OSError
        raise_own_fault(err, path, format_name(fmt))
        problem = str(err)
    misread = _misdeclared_encoding(path)
    if misread is not None:
        declared, used, text = misread
        try:
            defused.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        except DefusedXmlException:
            raise fail(path, fmt, _UNSAFE_XML) from None
        except Exception:  # not well formed either way: the first error is the one to name
            pass
        else:
            return (f"the XML {declared}, but its text is not in it; it was read as {used} (check the "
                    "patient's name and other text fields)")
    codec = utf16_without_bom(read_head(path, 4096))
    if codec is not None:
        # parsers take UTF-16 without its mark by the prolog's first bytes (XML 1.0 Appendix F) unless
        # the prolog declares another encoding: then read as UTF-16 when that is well formed
        order = "little" if codec.endswith("le") else "big"
        misdeclared = utf16_declared_otherwise(path)
        if misdeclared is not None:
            declared, text = misdeclared
            try:
                defused.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
            except DefusedXmlException:
                raise fail(path, fmt, _UNSAFE_XML) from None
            except Exception as err:  # not well formed as UTF-16 either: said below, with this error
                problem = str(err)
            else:
                return (f"the XML declares the {declared} encoding, but its text is UTF-16 ({order} endian) "
                        "without a byte-order mark (one byte of every two in its prolog is 0); it was read "
                        "as UTF-16")
        raise fail(path, fmt, f"UTF-16 text without a byte-order mark ({order} endian) that cannot be read as "
                              f"XML ({problem}); export it again as UTF-8, or as UTF-16 with its byte-order mark")
    raise fail(path, fmt, xml_problem(problem))


_UNSAFE_XML = "the XML declares entities or refers to external ones, which are refused for safety"


def xml_problem(problem: str) -> str:
    """What an XML parser's error (expat's "no element found: line 3, column 0") says of the file, in words."""
    where = re.search(r"line (\d+), column (\d+)", problem)
    at = f"line {where[1]}, column {where[2]}" if where else ""
    if problem.startswith("no element found"):
        return f"the XML ends before its elements are closed ({at}): the file is cut short"
    said = {"not well-formed (invalid token)": "a character XML does not allow there",
            "mismatched tag": "an end tag that does not match its start tag",
            "unclosed token": "a tag left open at the end",
            "junk after document element": "text after the document's last element",
            "syntax error": "text that is no XML"}
    what = next((words for key, words in said.items() if problem.startswith(key)), None)
    if what is None:
        return f"the XML is not well formed ({fault_words(ValueError(problem))}): the file is damaged or cut short"
    return f"the XML is not well formed: {what} at {at or 'its start'}; the file is damaged or cut short"


def utf16_declared_otherwise(path: Path) -> tuple[str, str] | None:
    """(the encoding the prolog declares; the text without its prolog) when ``path`` is UTF-16 without
    a byte-order mark (``registry.utf16_without_bom``) whose XML prolog declares another encoding
    (UTF-8, Latin-1: an export that wrote UTF-16 under a UTF-8 prolog), which no parser reads as it
    is; else None (one declaring UTF-16, or none, the parsers read by its first bytes)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    codec = utf16_without_bom(raw[:4096])
    if codec is None:
        return None
    try:
        text = raw[: len(raw) & ~1].decode(codec)
    except UnicodeDecodeError:
        return None
    match = re.match(r"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["'][^>]*\?>""", text)
    if match is None or match.group(1).lower().replace("_", "-") in ("utf-16", "utf16", "utf-16le", "utf-16be"):
        return None
    return match.group(1), text[match.end():]


def _utf8_copy(path: Path, text: str, folder: Path) -> Path:
    """``text`` (the text of ``path`` without its prolog: ``utf16_declared_otherwise``) as UTF-8 under a
    prolog that says so, in ``folder`` under the name of ``path``, for the parsers to read."""
    copy = folder / path.name
    copy.write_bytes(('<?xml version="1.0" encoding="UTF-8"?>' + text).encode("utf-8"))
    return copy


_LATIN1_NAMES = ("iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "windows-1252", "cp1252")


def _utf8_declared_as_latin1(path: Path) -> str | None:
    """A reader note when the file declares Latin-1 (or Windows-1252) but its text beyond ASCII is
    UTF-8 (a MUSE export passed through a UTF-8 tool): the text is read as declared, so "é" shows
    as "Ã©"; else None. Latin-1 text whose every byte beyond ASCII pairs up into UTF-8 letters is
    all but unknown ("É€" pairs up, into U+0240, which is no letter of a name: not counted)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    match = _XML_DECLARED_ENCODING.match(body)
    if match is None or match.group(1).decode("ascii").lower() not in _LATIN1_NAMES or body.isascii():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not any("\u00c0" <= ch <= "\u017f" or ch >= "\u0370" for ch in text):
        return None           # no letter of a name (é, ł, Ж, 李) among what UTF-8 would read: not shown to be UTF-8
    return (f"the XML declares the {match.group(1).decode('ascii')} encoding, but its text is UTF-8: it was "
            "read as declared, so letters beyond ASCII in the patient's name and other text fields may "
            "show garbled (Ã© for é)")


_XML_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _misdeclared_encoding(path: Path) -> tuple[str, str, str] | None:
    """(the encoding declared, in words; the one that decodes the text; the text without its declaration)
    when the bytes are not in the encoding the file declares (UTF-8 when none: XML's default),
    else None. Files with a UTF-16 byte order mark are left to the parser."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    match = _XML_DECLARED_ENCODING.match(body)
    declared = match.group(1).decode("ascii") if match else "UTF-8"
    try:
        body.decode(declared)
        return None                        # the bytes are what they declare: the error lies elsewhere
    except LookupError:
        return None
    except UnicodeDecodeError:
        pass
    for used in ("UTF-8", "Latin-1"):      # as ecgdatakit's parse_xml_root and Philips parser decode
        try:
            text = body.decode(used)
            break
        except UnicodeDecodeError:
            continue
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    words = f"declares the {declared} encoding" if match else "declares no encoding (XML's default is UTF-8)"
    return words, used, text


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
                read = _utf8_copy(path, utf16[1], Path(folder))
            src = parser.parse(read)
    except RecordError:
        raise
    except Exception as err:  # ecgdatakit raises its own errors and, on damaged input, others
        raise fail_unless_ours(path, fmt, err, _reason(err, read)) from None
    notes = tuple(dict.fromkeys([*caught, *([encoding_note] if encoding_note else [])]))
    notes = rates.without_rounding_notes(fmt, notes)
    return _to_record(path, fmt, src, notes, part)


def _reason(err: Exception, path: Path | None = None) -> str:
    """A reader's exception in words (``records.fault_words``: no class name, the file's path and name,
    which the RecordError names already, left out), with what a damaged base64 waveform, a file nested
    too deeply or one that declares too much data means."""
    text = fault_words(err, path)
    name = type(err).__name__
    if name in ("Error", "binascii.Error") or "base64" in text.lower() or "padding" in text.lower():
        return f"a waveform's base64 data is corrupt ({text})"
    if isinstance(err, RecursionError):
        return "the file is nested too deeply to be an ECG"
    if isinstance(err, MemoryError):
        return "the file declares more data than can be held in memory"
    if isinstance(err, ValueError) and ("nan" in str(err).lower() or "infinity" in str(err).lower()) \
            and not text.startswith("a number in the file"):
        return f"a number in the file is out of range or not a number ({text})"
    return text


def _physical_mv(lead, path: Path, fmt: str) -> np.ndarray:
    """A lead's samples in mV, after checking the resolution and offset that scale them."""
    unit = (lead.resolution_unit or "").strip()
    resolution, offset = float(lead.resolution), float(lead.offset or 0.0)
    if fmt == "hl7-aecg" and not lead.adc_resolution:
        # ecgdatakit reads a scale value that is no number ("NaN", "", "x") or absent as 1 per count:
        # the amplitudes would be silently 2.5 times (a 2.5 uV scale) too small
        raise fail(path, fmt, f"lead {lead.label}: the scale of its digits (<scale value=...>) is missing "
                              "or not a number, so its amplitudes cannot be put in mV")
    if lead.is_raw and not unit:
        # the reader found no scale with a voltage unit: ecgdatakit's own words ("no physical unit in
        # the file") were wrong where the file gives a unit that is no voltage or no scale at all
        raise fail(path, fmt, f"lead {lead.label}: {_no_scale(lead, fmt)}, so its counts cannot be put in mV")
    if lead.is_raw or unit:
        where = f"lead {lead.label}: resolution {resolution:g} {unit or '(no unit)'} per count"
        if not (math.isfinite(resolution) and resolution > 0):
            raise fail(path, fmt, f"{where} is not a positive number")
        to_mv = unit_scale(unit)
        if to_mv is not None and not MIN_MV_PER_UNIT <= resolution * to_mv <= MAX_MV_PER_UNIT:
            raise fail(path, fmt, f"{where} is implausible for an ECG (expected {MIN_MV_PER_UNIT:g} to "
                                  f"{MAX_MV_PER_UNIT:g} mV per count)")
        if not math.isfinite(offset):
            raise fail(path, fmt, f"lead {lead.label}: offset {offset!r} is not a number")
    try:
        phys = lead.to_physical() if lead.is_raw else lead
        if phys.units.lower() not in ("mv", ""):
            phys = phys.convert_units("mV")
    except Exception as err:
        raise fail_unless_ours(path, fmt, err, f"lead {lead.label}: amplitudes cannot be put in mV ({err})") from None
    return np.asarray(phys.samples, dtype=np.float64)


def _extra_mv(lead, first, path: Path, fmt: str) -> np.ndarray | str:
    """A channel none of the 12 (``_to_record``): an extra lead's samples in mV (``records.extra_leads``: V4R, vx)
    at the rate of the ECG leads (``first``: one of them), or why they cannot be (another rate, their scale);
    no samples for another channel (blood pressure, respiration), which is not read."""
    if not is_extra_lead(lead.label):
        return np.zeros(0)
    if int(lead.sampling_rate) != int(first.sampling_rate):
        return f"sampled at {float(lead.sampling_rate):g} Hz, not the leads' {float(first.sampling_rate):g} Hz"
    try:
        return _physical_mv(lead, path, fmt)
    except RecordError as err:      # "read as GE MUSE XML: lead V4R: ...": the format is the record's
        return err.reason.split(": ", 1)[-1] if err.reason.startswith("read as ") else err.reason


# Where each format states a lead's amplitude scale, for messages.
_SCALE_FIELD = {"dicom-ecg": "Channel Sensitivity", "hl7-aecg": "<scale>", "ge-muse-xml": "LeadAmplitudeUnitsPerBit",
                "ge-cardiosoft-xml": "<Resolution>",
                "philips-xml": "resolution", "scp-ecg": "AVM", "ishne": "amplitude resolution", "mfer": "MWF_SEN"}


def _no_scale(lead, fmt: str) -> str:
    """Why a lead's counts have no scale in volts, in words: its units are no voltage, the scale
    is given without units, or no scale is given."""
    field = _SCALE_FIELD.get(fmt, "amplitude scale")
    units = str(lead.adc_resolution_unit or "").strip()
    if units:
        return f"its {field} is in {units!r}, not in a voltage unit (uV, mV, V)"
    if lead.adc_resolution:
        return f"its {field} ({float(lead.adc_resolution):g}) is given without units"
    return f"the file gives no {field} (with its units) for it"


def _scale_said(ecg: list, fmt: str) -> str:
    """The field that scales the ECG leads' counts (``_SCALE_FIELD``), as a reason names it: "the file's
    LeadAmplitudeUnitsPerBit (4.88 uV per count)", the first scaled lead's, "(4.88 uV per count in lead I; the
    others' differ)" where they differ (the lead named is the one whose value is quoted); "" where the samples come in
    physical units already."""
    said = [(lead.label, f"{float(lead.resolution):g} {(lead.resolution_unit or '').strip()} per count") for lead in ecg
            if lead.is_raw or (lead.resolution_unit or "").strip()]
    if not said:
        return ""
    (label, first), *_ = said
    differ = "" if len({s for _, s in said}) == 1 else f" in lead {label}; the others' differ"
    return f"the file's {_SCALE_FIELD.get(fmt, 'amplitude scale')} ({first}{differ})"


def _to_record(path: Path, fmt: str, src, notes: tuple[str, ...], part: tuple | None = None) -> EcgRecord:
    if not src.leads:
        raise fail(path, fmt, "the file holds no waveform leads")
    # Monitors and Holters store other channels beside the ECG (blood pressure, respiration,
    # pacing status), often at other rates: only the ECG leads must agree, the rest is dropped.
    ecg = [lead for lead in src.leads if canonical_lead(lead.label or "") is not None]
    rates_hz = {int(lead.sampling_rate) for lead in ecg}
    if len(rates_hz) > 1:
        raise fail(path, fmt, f"ECG leads have different sampling frequencies ({sorted(rates_hz)} Hz)")
    if not rates_hz:
        labels = ", ".join(lead.label or "?" for lead in src.leads)
        raise fail(path, fmt, f"not enough ECG leads: has 0 of the 12 standard leads ({labels})")
    first = next(k for k, lead in enumerate(src.leads) if lead is ecg[0])
    fs = rates.stated_rate(fmt, src, rates_hz.pop(), index=first)
    keep = {id(lead) for lead in ecg}
    channels = [(lead.label, _physical_mv(lead, path, fmt) if id(lead) in keep else _extra_mv(lead, ecg[0], path, fmt))
                for lead in src.leads]
    starts = scp.lead_starts(path, ecg) if fmt == "scp-ecg" else {}
    if starts:   # leads recorded one group after another: each at its own time, missing elsewhere
        end = max(starts.get(id(lead), 0) + len(lead.samples) for lead in ecg)
        channels = [(label, np.concatenate([np.full(starts.get(id(lead), 0), np.nan), x,
                                            np.full(end - starts.get(id(lead), 0) - len(x), np.nan)])
                     if id(lead) in keep else x)
                    for lead, (label, x) in zip(src.leads, channels)]

    beats = _median_beats(path, fmt, src)
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
    device = " ".join(x for x in (_text(dev.manufacturer), _text(dev.model)) if x)
    name = person_name(p.first_name, p.last_name)
    # ISHNE has no age field: the parser's whole years from the birth date would pass for a stated age
    info = {
        "patient_id": p.patient_id, "patient_name": name, "birth_date": p.birth_date,
        "age": None if fmt == "ishne" else p.age, "sex": p.sex, "acquired": r.date, "acquired_on": _acquired_on(src),
        "device": device,
        "site": _text(dev.institution) or _text(r.location),
        "device_report": _device_report(fmt, src, device),
        "device_median_beats": beats,
        "meta": {"reader": "mirage" if fmt in _OWN_PARSERS else "ecgdatakit",
                 "amplitude_field": scp.amplitude_field(path) if fmt == "scp-ecg" else _scale_said(ecg, fmt)},
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


def _monitor_kind(fmt: str, src) -> str | None:
    """What an MFER file's preamble (free text, ISO 22077-1) says it is when it says a monitor's
    waveform (Nihon Kohden's CNS-6000 central monitor writes "MFR Monitoring Waveform"), else None."""
    preamble = _text((getattr(src, "raw_metadata", None) or {}).get("preamble")) if fmt == "mfer" else ""
    return f"an MFER {preamble!r}, a monitor's recording" if "monitor" in preamble.lower() else None


def _acquired_on(src) -> date | None:
    """The acquisition's date when the file gives it without a time of day (ecgdatakit keeps it in
    ``raw_metadata["acquisition_date"]``, ISO, for DICOM and SCP-ECG, and no acquisition datetime);
    it gives the patient's age from a birth date. None when there is none or it is no date."""
    try:
        return date.fromisoformat(str((src.raw_metadata or {}).get("acquisition_date") or "")[:10])
    except ValueError:
        return None


# the annotation in which ecgdatakit keeps a cart's headline QTc when the file names no formula for
# it: GE MUSE's QTCorrected ("491"), Philips 1.03's meanqtc ("393 ms (formula not stated)")
_UNNAMED_QTC = {"ge-muse-xml": "QTCorrected", "philips-xml": "qtc", "ge-cardiosoft-xml": cardiosoft.QTC_FIELD}


def _unnamed_qtc(fmt: str, src) -> int | float | None:
    """The cart's own QTc in ms when the file states one without its formula (``_UNNAMED_QTC``), else None."""
    key = _UNNAMED_QTC.get(fmt)
    text = str((src.annotations or {}).get(key, "")).strip() if key else ""
    match = re.match(r"[-+]?\d+(?:\.\d+)?", text)
    if match is None:
        return None
    qtc = float(match.group())
    if not math.isfinite(qtc):
        return None
    return int(qtc) if qtc.is_integer() else qtc


_NO_BLANK_BEFORE = re.compile(r"\s+(?=[,;])")


def _device_report(fmt: str, src, device: str) -> dict | None:
    """The device's own interpretation and global measurements, labelled as the device's."""
    # a line the cart continues (MUSE's "Anterior infarct" then ", age undetermined") joins without the blank
    # before its comma: "Anterior infarct , age undetermined" had been shown
    statements = [_NO_BLANK_BEFORE.sub("", " ".join(s for s in pair if s)).strip()
                  for pair in src.interpretation.statements]
    statements = [s for s in statements if s]
    m = src.measurements
    fields = (("heart_rate", "Heart rate", "bpm"), ("rr_interval", "RR interval", "ms"),
              ("pr_interval", "PR interval", "ms"), ("qrs_duration", "QRS duration", "ms"),
              ("qt_interval", "QT interval", "ms"), ("qtc_bazett", "QTc (Bazett)", "ms"),
              ("qtc_fridericia", "QTc (Fridericia)", "ms"), ("p_axis", "P axis", "deg"),
              ("qrs_axis", "QRS axis", "deg"), ("t_axis", "T axis", "deg"))
    values = {key: getattr(m, key, None) for key, _, _ in fields}
    qtc = _unnamed_qtc(fmt, src) if values["qtc_bazett"] is None else None
    if qtc is not None:
        # the cart's headline QTc, of no named formula, shown where Bazett's would be
        values["qtc_bazett"] = qtc
        fields = tuple((k, "QTc, formula not stated", u) if k == "qtc_bazett" else (k, lab, u)
                       for k, lab, u in fields)
    measurements = {f"{label} ({unit})": values[key] for key, label, unit in fields if values[key] is not None}
    if not statements and not measurements:
        return None
    analysis = _DEVICE_ANALYSIS.get(fmt) or _text((src.raw_metadata or {}).get("device_analysis"))
    source = " ".join(x for x in (device or FORMATS[fmt].name, f"({analysis})" if analysis else "") if x)
    who = src.interpretation.source or "machine"
    return {"source": source, "statements": tuple(statements), "measurements": measurements,
            "statement_origin": who,
            "note": "the acquiring device's own analysis, as stored in the file; not MIRAGE's"}


def _text(value) -> str:
    """A device's or site's name as text: its control characters left out (an SCP-ECG writer's
    length bytes that the parser takes for a string: ECG Viewer's manufacturer '\x01'), stripped."""
    return "".join(ch for ch in str(value or "") if unicodedata.category(ch) != "Cc").strip()


def _median_beats(path: Path, fmt: str, src) -> dict | None:
    """The device's median (representative) beats: {"fs": Hz, "leads": {lead: (T,) mV}}."""
    beats = src.median_beats or []
    if not beats:
        return None
    leads = {}
    fs = None
    for lead in beats:
        mapped = canonical_lead(lead.label)
        if mapped is None or mapped[0] in leads:
            continue
        try:
            leads[mapped[0]] = (_physical_mv(lead, path, fmt) * mapped[1]).astype(np.float32)
        except RecordError:
            return None
        fs = rates.stated_rate(fmt, src, int(lead.sampling_rate), part="median")
    if not leads:
        return None
    if len({len(x) for x in leads.values()}) > 1:
        # one beat, drawn lead beside lead: leads of different lengths are no such beat (and cannot
        # be combined into limb leads); the device's beat is left out, the rhythm still reads
        log.warning("%s: the device's median beat has leads of different lengths; left out", path.name)
        return None
    if {"I", "II"} <= set(leads):  # 8-lead carts (GE): the beat's limb leads as for the rhythm
        i, ii = leads["I"], leads["II"]
        derived = {"III": ii - i, "aVR": -(i + ii) / 2, "aVL": i - ii / 2, "aVF": ii - i / 2}
        added = [lead for lead in derived if lead not in leads]
        leads.update({lead: derived[lead].astype(np.float32) for lead in added})
        if added:
            return {"fs": fs, "leads": leads, "derived_leads": tuple(added)}
    return {"fs": fs, "leads": leads}
