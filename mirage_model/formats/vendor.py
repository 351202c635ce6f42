"""Clinical ECG formats through ecgdatakit: GE MUSE XML, Philips Sierra XML (XLI and plain), HL7
aECG, DICOM 12-lead / General ECG waveform (PS3.3 A.34), SCP-ECG (EN 1064), ISHNE and MFER.

ecgdatakit (Apache-2.0, UMMISCO/IRD) parses each format into its ``ECGRecord``; this module picks
the parser for the format that :mod:`registry` recognised (so the error names that format),
guards XML against entity expansion and external entities with defusedxml before any parser
sees it, checks that a DICOM file is a waveform, and turns the result into an ``EcgRecord``
with the device's statements, measurements and median beats kept apart as the device's.
"""

from __future__ import annotations

import copy
import importlib
import logging
import math
import re
import struct
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from mirage_model.formats.assemble import build_record, fail
from mirage_model.formats.registry import FORMATS, read_head, xml_root
from mirage_model.limits import MAX_MV_PER_UNIT, MAX_SAMPLES, MAX_WAVEFORM_FILE_BYTES, MIN_MV_PER_UNIT
from mirage_model.records.leads import canonical_lead, derivable_leads, unit_scale
from mirage_model.records.record import STANDARD_LEADS, EcgRecord, RecordError

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
_XML = ("ge-muse-xml", "philips-xml", "hl7-aecg")
# DICOM waveform storage SOP classes that hold an ECG (PS3.4 B.5).
_DICOM_ECG_SOP = {
    "1.2.840.10008.5.1.4.1.1.9.1.1": "12-lead ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.2": "General ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.3": "Ambulatory ECG",
}
_DEVICE_ANALYSIS = {"ge-muse-xml": "GE 12SL", "philips-xml": "Philips DXL"}
# Formats that mark samples missing (DICOM's Waveform Padding Value, MFER's null value and data
# short of its frame): ecgdatakit makes those samples NaN, and they flag their leads "missing".
_MARKS_MISSING = ("dicom-ecg", "mfer")
# An XML ECG larger than this is refused before it is parsed: a 10 s ECG is under 1 MB, and
# parsing costs about ten times the file's size in memory (text digits become Python strings).
MAX_XML_BYTES = 64 << 20


_pydicom_notes = threading.local()   # .notes: the list this thread's DICOM read collects into


class _PydicomNotes(logging.Handler):
    """pydicom's log records (WARNING and above) of the read under way in this thread, kept as its
    reader warnings; none reaches the terminal (pydicom logs a damaged element, e.g. "Invalid value
    for VR UI", and a file cut short; the user hears of it from MIRAGE, naming the file)."""

    def emit(self, record: logging.LogRecord) -> None:
        notes = getattr(_pydicom_notes, "notes", None)
        if notes is not None and record.levelno >= logging.WARNING:
            notes.append(record.getMessage())


@contextmanager
def pydicom_quiet():
    """Within: pydicom's log records and warnings are collected, not printed; yields the list
    their messages go into (one per message, in order)."""
    logger = logging.getLogger("pydicom")
    if not any(isinstance(h, _PydicomNotes) for h in logger.handlers):
        logger.addHandler(_PydicomNotes())
        logger.propagate = False    # the app's and the CLI's root handlers would print it
    outer = getattr(_pydicom_notes, "notes", None)
    notes: list[str] = []
    _pydicom_notes.notes = notes
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield notes
    finally:
        _pydicom_notes.notes = outer
        notes.extend(str(w.message) for w in caught)


class MissingExtraError(RecordError):
    """The file's format needs an optional dependency group that is not installed."""


def require(module: str, path: Path, fmt: str):
    """Import ``module`` or raise MissingExtraError naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = FORMATS[fmt].extra or "formats"
        raise MissingExtraError(
            path, f"this is a {FORMATS[fmt].name} file; reading it needs the optional "
                  f"'{extra}' extra: pip install 'mirage-review[{extra}]'") from None


def check_xml(path: Path, fmt: str) -> None:
    """Parse ``path`` with defusedxml: entity declarations and external references are refused.

    Raises:
        RecordError: the XML declares entities, refers to external ones, or is not well formed.
    """
    defused = require("defusedxml.ElementTree", path, fmt)
    from defusedxml import DefusedXmlException  # lazy: the formats extra (require() checked it above)

    try:
        defused.parse(str(path), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise fail(path, fmt, f"the XML declares entities or external references, which are "
                              f"refused for safety ({type(err).__name__})") from None
    except Exception as err:  # xml.etree.ElementTree.ParseError, UnicodeDecodeError, OSError
        raise fail(path, fmt, f"the XML is not well formed ({err}); the file may be cut short") from None


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


def check_dicom(path: Path) -> None:
    """A DICOM file must be an ECG waveform (12-lead, General or Ambulatory ECG)."""
    pydicom = require("pydicom", path, "dicom-ecg")
    try:
        # force: a DICOM without its 128-byte preamble, which registry.sniff recognised as one;
        # pydicom's complaints here are said again by the full read (its reader warnings)
        with pydicom_quiet():    # elements are decoded when read: SOPClassUID too
            ds = pydicom.dcmread(str(path), stop_before_pixels=True, specific_tags=[(0x0008, 0x0016)], force=True)
            sop = str(getattr(ds, "SOPClassUID", "") or "")
    except Exception as err:
        raise fail(path, "dicom-ecg", f"the DICOM file cannot be parsed ({err})") from None
    if sop not in _DICOM_ECG_SOP:
        if sop and not re.fullmatch(r"[0-9]+(\.[0-9]+)*", sop):   # PS3.5 9.1: digits and dots
            raise fail(path, "dicom-ecg", f"its SOP Class UID '{sop}' is not a valid UID (digits separated "
                                          "by dots): the file is damaged or cut short")
        try:
            with pydicom_quiet():
                name = pydicom.uid.UID(sop).name if sop else "none"
        except Exception:
            name = sop
        raise fail(path, "dicom-ecg", f"a DICOM file, but not an ECG waveform (SOP class: {name})")


def read_vendor(path: Path, fmt: str) -> EcgRecord:
    """Read one clinical ECG file whose format ``fmt`` was recognised from its content.

    Raises:
        RecordError: what is wrong, naming the file and the format (MissingExtraError when the
            'formats' extra is not installed).
    """
    if fmt == "xml":
        raise RecordError(path, f"an XML file, but not an ECG MIRAGE reads (root element "
                                f"<{xml_root(read_head(path))}>; expected GE MUSE <RestingECG>, "
                                "Philips <restingecgdata> or HL7 aECG <AnnotatedECG>)")
    require("ecgdatakit", path, fmt)
    if fmt in _XML:
        size = path.stat().st_size
        if size > MAX_XML_BYTES:
            raise fail(path, fmt, f"the XML file is {size / 2**20:.0f} MB; ECG XML files up to "
                                  f"{MAX_XML_BYTES >> 20} MB are read (a 10 s ECG is under 1 MB)")
        check_xml(path, fmt)
    if fmt in ("dicom-ecg", "mfer"):
        check_waveform_file_size(path, fmt)
    if fmt == "dicom-ecg":
        check_dicom(path)
    if fmt == "scp-ecg":
        check_scp_lengths(path)
    if fmt == "ishne":
        check_ishne_length(path)
    module, cls = _PARSERS[fmt]
    parser = getattr(importlib.import_module(f"ecgdatakit.parsing.parsers.{module}"), cls)()
    if fmt == "dicom-ecg":
        parser = _dicom_parser(parser)
    elif fmt == "ge-muse-xml":
        parser = _muse_parser(parser)
    elif fmt == "hl7-aecg":
        parser = _aecg_parser(parser)
    try:
        with pydicom_quiet() as caught:   # ecgdatakit's warnings and pydicom's log alike
            src = parser.parse(path)
    except RecordError:
        raise
    except Exception as err:  # ecgdatakit raises its own errors and, on damaged input, others
        raise fail(path, fmt, _reason(err, path)) from None
    notes = tuple(dict.fromkeys(caught))
    return _to_record(path, fmt, src, notes)


_MEDIAN_LABEL_WORDS = ("MEDIAN", "REPRESENTATIVE", "AVERAGE")   # ecgdatakit's, for a median beat's group
# A multiplex group shorter than this is a beat's length (a median beat is 0.6 to 1.5 s), never
# preferred as the rhythm for holding the 12 leads.
MIN_RHYTHM_S = 2.0


def rhythm_group(groups) -> int | None:
    """Which DICOM multiplex group (an item of the Waveform Sequence, PS3.3 C.10.9) holds the rhythm:
    of the groups not labelled a median beat (MultiplexGroupLabel), one whose ECG leads give the 12
    (with the limb leads Einthoven's and Goldberger's identities derive) and that lasts MIN_RHYTHM_S
    or more before one that lacks some,
    one with ECG leads before one without (a General ECG's respiration or pressure group, a
    continuous lead II strip longer than the 12-lead rhythm), an ORIGINAL one before a DERIVED one
    (Waveform Originality: a median beat is derived from the rhythm), then the longest in seconds,
    then the first. None when no group qualifies.

    Args:
        groups: the Waveform Sequence's items (pydicom Datasets).
    """
    best, key = None, None
    for k, wf in enumerate(groups):
        label = str(wf.get("MultiplexGroupLabel") or "").upper()
        if any(word in label for word in _MEDIAN_LABEL_WORDS):
            continue
        seconds = _dicom_group_seconds(wf)
        original = str(wf.get("WaveformOriginality") or "").strip().upper() != "DERIVED"
        leads = set(_dicom_group_leads(wf))
        # (a group of a beat's length is no rhythm however many leads it has: an unlabelled median
        # beat beside a rhythm of fewer leads stays the beat, and the rhythm is refused for its leads)
        complete = set(STANDARD_LEADS) <= leads | derivable_leads(leads) and seconds >= MIN_RHYTHM_S
        if key is None or (complete, bool(leads), original, seconds) > key:
            best, key = k, (complete, bool(leads), original, seconds)
    return best


def _dicom_parser(parser):
    """ecgdatakit's DICOM parser, made to take the rhythm ``rhythm_group`` picks: it takes the
    first group that is not labelled a median beat, so an unlabelled median beat stored first
    (1.2 s) would be read as the record although the 10 s rhythm follows it. The rhythm's group
    is moved to the front of the Waveform Sequence; each group keeps its number, which the
    annotations refer to."""
    import pydicom   # lazy: the formats extra (check_dicom required it)

    class RhythmFirst(type(parser)):
        def parse(self, file_path: Path):
            try:
                ds = pydicom.dcmread(str(file_path), force=True)   # as check_dicom
                groups = list(ds.get("WaveformSequence") or [])
            except Exception:
                return super().parse(file_path)      # its own error says what is wrong
            from ecgdatakit.exceptions import CorruptedFileError

            for i, wf in enumerate(groups):
                # ecgdatakit int()s it: "NaN" or "inf" gave "cannot convert float NaN to integer"
                try:
                    rate = float(wf.get("SamplingFrequency"))
                except (TypeError, ValueError):
                    continue                          # absent or no number: its own error says so
                if not math.isfinite(rate):
                    raise CorruptedFileError(f"DICOM multiplex group {i}: Sampling Frequency "
                                             f"{wf.get('SamplingFrequency')} is not a finite number")
            k = rhythm_group(groups)
            self._number = {id(wf): i for i, wf in enumerate(groups)}
            if k is not None:
                groups, k = _dicom_join_simultaneous(groups, k, self._is_little_endian(ds), self._number)
            if k:
                ds.WaveformSequence = pydicom.sequence.Sequence([groups[k]] + groups[:k] + groups[k + 1:])
            elif k == 0:
                ds.WaveformSequence = pydicom.sequence.Sequence(groups)
            try:
                return self._parse_dataset(ds, file_path)
            except Exception as err:
                # as ecgdatakit's parse(): its own errors and warnings pass, others name the element
                from ecgdatakit.exceptions import CorruptedFileError, ECGDataKitError
                if isinstance(err, (ECGDataKitError, Warning)):
                    raise
                raise CorruptedFileError(f"DICOM: cannot decode an element: {type(err).__name__}: {err}") from err

        def _read_group(self, wf, index, little_endian):
            return super()._read_group(wf, getattr(self, "_number", {}).get(id(wf), index), little_endian)

        def _read_patient(self, ds, acquired, meta):
            # ecgdatakit keeps the alphabetic group's family and given names alone: the middle name
            # went to meta, and a Japanese "Yamada^Tarou=山田^太郎=やまだ^たろう" (ISO 2022 IR 87)
            # lost its ideographic name, or printed as "=山田^太郎" when only that group is there
            info = super()._read_patient(ds, acquired, meta)
            pn = ds.get("PatientName")
            if pn is None or not hasattr(pn, "components"):
                return info
            middle = (getattr(pn, "middle_name", "") or "").strip()
            if middle:
                info.first_name = " ".join(x for x in (info.first_name, middle) if x)
            # PS3.5 6.2.1.2: alphabetic = ideographic = phonetic, each family^given^middle^prefix^suffix
            groups = [str(g) for g in pn.components]
            ideographic = person_name(*reversed((groups[1].split("^") + ["", ""])[:2])) if len(groups) > 1 else ""
            if ideographic:
                alphabetic = groups[0].strip("^ ")
                if not alphabetic:
                    info.first_name, info.last_name = "", ideographic
                elif ideographic not in (info.first_name, info.last_name):
                    info.last_name = f"{info.last_name} ({ideographic})".strip()
            return info

    return RhythmFirst()


def _dicom_group_leads(wf) -> list[str]:
    """The standard leads a DICOM multiplex group's channels are, from each channel's source code,
    its meaning or its label (as ecgdatakit names them), in channel order."""
    from ecgdatakit.parsing.parsers.dicom_waveform import (_code_parts, _first_code, _lead_from_code,
                                                           _lead_from_meaning, _text)
    leads = []
    for ch in wf.get("ChannelDefinitionSequence") or []:
        scheme, value, meaning = _code_parts(_first_code(ch, "ChannelSourceSequence"))
        label = _lead_from_code(scheme, value) or _lead_from_meaning(meaning) or _text(ch.get("ChannelLabel"))
        mapped = canonical_lead(label) if label else None
        if mapped is not None:
            leads.append(mapped[0])
    return leads


def _dicom_group_seconds(wf) -> float:
    """A multiplex group's length in seconds (0 when its fields cannot say)."""
    try:
        return int(wf.get("NumberOfWaveformSamples") or 0) / float(wf.get("SamplingFrequency") or 0)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0


def _dicom_group_offset(wf) -> float | None:
    """A multiplex group's Multiplex Group Time Offset (0018,1068) in ms, None when not stated."""
    try:
        value = float(wf.get("MultiplexGroupTimeOffset"))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _dicom_group_layout(wf) -> tuple | None:
    """What two multiplex groups must share for their channels to form one group: rate, samples,
    sample encoding, padding value, originality; None when a field cannot be read."""
    try:
        return (float(wf.get("SamplingFrequency")), int(wf.get("NumberOfWaveformSamples")),
                int(wf.get("WaveformBitsAllocated")), str(wf.get("WaveformSampleInterpretation") or "").strip().upper(),
                bytes(wf.get("WaveformPaddingValue") or b""),
                str(wf.get("WaveformOriginality") or "").strip().upper())
    except (TypeError, ValueError):
        return None


def _dicom_join_simultaneous(groups: list, k: int, little_endian: bool, number: dict) -> tuple[list, int]:
    """The Waveform Sequence's groups with the rhythm (group ``k``) joined by the groups recorded
    with it, and the rhythm's new index.

    A 12-lead ECG may spread its leads over up to five multiplex groups (PS3.3 A.34.3.4.4): groups
    recorded together (the same Multiplex Group Time Offset, stated in each, and the same rate,
    number of samples and sample encoding) hold one ECG, and their channels are read as one group
    (``number`` then gives the joined group the rhythm's number). Groups that hold leads the rhythm
    lacks but are not stated to be recorded with it (the strip chart's four groups of three leads
    recorded one after another, PS3.3 A.34.3.4.4's example, or groups without a time offset) are no
    simultaneous 12-lead ECG: the file is refused naming the groups and their leads, rather than as
    missing the leads a group beside it holds.

    Raises:
        CorruptedFileError: the rhythm lacks leads that groups not recorded with it hold.
    """
    from ecgdatakit.exceptions import CorruptedFileError
    from ecgdatakit.parsing.parsers.dicom_waveform import _DEFAULT_INTERPRETATION, _SAMPLE_DTYPES

    rhythm = groups[k]
    leads = {i: _dicom_group_leads(wf) for i, wf in enumerate(groups)}
    offset, layout = _dicom_group_offset(rhythm), _dicom_group_layout(rhythm)
    medians = {i for i, wf in enumerate(groups)
               if any(word in str(wf.get("MultiplexGroupLabel") or "").upper() for word in _MEDIAN_LABEL_WORDS)}
    partners, joined_leads = [], set(leads[k])
    for i, wf in enumerate(groups):
        if (i != k and i not in medians and leads[i] and offset is not None and layout is not None
                and _dicom_group_offset(wf) == offset and _dicom_group_layout(wf) == layout
                and not set(leads[i]) & joined_leads):   # a lead twice is no partner: two recordings of it
            partners.append(i)
            joined_leads |= set(leads[i])
    if partners:
        try:
            bits, interpretation = layout[2], layout[3] or _DEFAULT_INTERPRETATION.get(layout[2], "")
            dtype = np.dtype(_SAMPLE_DTYPES[(bits, interpretation)]).newbyteorder("<" if little_endian else ">")
            n = layout[1]
            joined, arrays, channels = copy.deepcopy(rhythm), [], []
            for i in [k, *partners]:
                wf = groups[i]
                c = int(wf.get("NumberOfWaveformChannels"))
                defs = list(wf.get("ChannelDefinitionSequence") or [])
                data = bytes(wf.get("WaveformData") or b"")
                if len(defs) != c or len(data) < n * c * dtype.itemsize:
                    raise ValueError(f"group {i + 1}: channels or data do not match")
                arrays.append(np.frombuffer(data[: n * c * dtype.itemsize], dtype=dtype).reshape(n, c))
                channels.extend(copy.deepcopy(ch) for ch in defs)
        except (KeyError, TypeError, ValueError):
            partners = []          # read as before: the rhythm group alone
        else:
            import pydicom   # lazy: the formats extra
            joined.WaveformData = np.concatenate(arrays, axis=1).tobytes()   # (n, channels of all)
            joined.NumberOfWaveformChannels = sum(a.shape[1] for a in arrays)
            joined.ChannelDefinitionSequence = pydicom.sequence.Sequence(channels)
            number[id(joined)] = number.get(id(rhythm), k)
            warnings.warn(f"DICOM: multiplex groups {', '.join(str(i + 1) for i in sorted([k, *partners]))} "
                          f"(Multiplex Group Time Offset {offset:g} ms each, {layout[0]:g} Hz, {layout[1]} samples) "
                          "were recorded together and are read as one 12-lead rhythm")
            kept = [joined if i == k else wf for i, wf in enumerate(groups) if i not in partners]
            return kept, kept.index(joined)
    have = set(leads[k])
    have_all = have | derivable_leads(have)
    apart = {i: [lead for lead in leads[i] if lead not in have_all]
             for i in range(len(groups)) if i != k and i not in medians and _dicom_group_seconds(groups[i]) >= MIN_RHYTHM_S}
    apart = {i: missing for i, missing in apart.items() if missing}
    if apart and not set(STANDARD_LEADS) <= have_all:
        def group_text(i: int) -> str:
            wf = groups[i]
            try:
                seconds = f", {int(wf.get('NumberOfWaveformSamples')) / float(wf.get('SamplingFrequency')):.3g} s"
            except (TypeError, ValueError, ZeroDivisionError):
                seconds = ""
            at = _dicom_group_offset(wf)
            when = f" from {at:g} ms" if at is not None else ", no time offset stated"
            return f"group {i + 1} ({', '.join(leads[i]) or 'no ECG lead'}{seconds}{when})"
        raise CorruptedFileError(
            f"the ECG leads are in {1 + len(apart)} multiplex groups not stated to be recorded together: "
            f"{group_text(k)} is the rhythm, and {'; '.join(group_text(i) for i in sorted(apart))} hold the other "
            "leads (a 12-lead ECG's groups are read as one only when each states the same Multiplex Group Time "
            "Offset, rate and length)")
    return groups, k


def _muse_parser(parser):
    """ecgdatakit's GE MUSE parser, made to leave out a patient or measurement field that reads
    "NaN" or "inf": it converts them with ``int()``, so one such field (a PatientAge, the cart's
    VentricularRate) refused the whole ECG with a Python error. The field is dropped before it is
    read, and a reader warning names it; such a field of a waveform (SampleBase) refuses the file
    naming it."""

    class FiniteNumbers(type(parser)):
        def _read_patient(self, demo, acquired, meta):
            _drop_non_finite(demo, "patient", _MUSE_PATIENT_NUMBERS)
            return super()._read_patient(demo, acquired, meta)

        def _read_measurements(self, root, record):
            for section in _MUSE_MEASUREMENTS:
                _drop_non_finite(root.find(section), "measurement")
            return super()._read_measurements(root, record)

        def _read_waveforms(self, root, record, file_path):
            # a waveform's own numbers (SampleBase, LeadSampleCountTotal ...) cannot be left out:
            # refused naming the field, not "cannot convert float NaN to integer"
            from ecgdatakit.exceptions import CorruptedFileError

            for wave in root.iter("Waveform"):
                for el in wave.iter():
                    if el.tag == "LeadAmplitudeUnitsPerBit":
                        continue              # (a resolution: checked with its unit, _physical_mv)
                    text = _non_finite_text(el)
                    if text is not None:
                        raise CorruptedFileError(f"GE MUSE: the waveform field <{el.tag}> reads {text!r}, "
                                                 "which is not a finite number")
            return super()._read_waveforms(root, record, file_path)

    return FiniteNumbers()


def _aecg_time_axis(sequence_set) -> tuple[str, ...] | None:
    """An HL7 aECG sequence set's time axis: its TIME_ sequence's code, head and increment (value
    and unit), or None when it has none."""
    for seq in sequence_set.findall("component/sequence"):
        code = seq.find("code")
        name = (code.get("code") or "").strip() if code is not None else ""
        if name.upper().startswith("TIME_"):
            value = seq.find("value")
            head = value.find("head") if value is not None else None
            inc = value.find("increment") if value is not None else None
            return (name.upper(), *((el.get(k) or "").strip() if el is not None else ""
                                    for el, k in ((head, "value"), (inc, "value"), (inc, "unit"))))
    return None


def _aecg_parser(parser):
    """ecgdatakit's HL7 aECG parser, made to read a series whose leads are split over several
    sequence sets. A sequence set holds the sequences recorded together (one time axis, its
    TIME_ sequence); ecgdatakit read the first set only, so a cart that writes the limb leads in
    one set and the chest leads in another (the same head and increment: recorded together) was
    refused as "missing V1 ... V6". Sets on the first set's time axis are read as one; when their
    leads do not give the 12 and sets of another time axis hold the rest (recorded one group after
    another, as a 4x3 strip chart does), they are no simultaneous 12-lead ECG, and the file is
    refused saying so (sets of another axis are otherwise left out, as ecgdatakit leaves them)."""
    from ecgdatakit.exceptions import CorruptedFileError

    class SequenceSets(type(parser)):
        def _read_sequence_set(self, series, kind, file_path):
            holders = [comp for comp in series.findall("component") if comp.find("sequenceSet") is not None]
            if len(holders) > 1:
                first = holders[0].find("sequenceSet")
                axis = _aecg_time_axis(first)
                have = set(self._set_leads(first))
                apart = []
                for comp in holders[1:]:
                    other = comp.find("sequenceSet")
                    if axis is not None and _aecg_time_axis(other) == axis:
                        for seq in other.findall("component"):   # its leads join the first set
                            if not _aecg_time_axis_of_component(seq):
                                first.append(seq)
                        series.remove(comp)
                        have |= set(self._set_leads(other))
                    else:
                        apart.append(other)
                others = {lead for other in apart for lead in self._set_leads(other)}
                elsewhere = [lead for lead in STANDARD_LEADS if lead in others - have]
                complete = set(STANDARD_LEADS) <= have | derivable_leads(have)   # the first axis's leads give the 12
                if elsewhere and kind == "rhythm" and not complete:   # (a median beat's sets: the first is read, as before)
                    heads = ", ".join(dict.fromkeys((_aecg_time_axis(x) or ("", "?"))[1] or "?"
                                                    for x in [first, *apart]))
                    together = [lead for lead in STANDARD_LEADS if lead in have]
                    raise CorruptedFileError(
                        f"the {kind} series holds its leads in {1 + len(apart)} sequence sets on different "
                        f"time axes (heads {heads}): {', '.join(elsewhere)} were not recorded with "
                        f"{', '.join(together) or 'the first set'}, so they are no simultaneous 12-lead ECG")
            return super()._read_sequence_set(series, kind, file_path)

        def _set_leads(self, sequence_set) -> list[str]:
            """The standard leads a sequence set's sequences hold (by their MDC codes)."""
            leads = []
            for seq in sequence_set.findall("component/sequence"):
                code = seq.find("code")
                label = self._lead_label((code.get("code") or "") if code is not None else "")
                mapped = canonical_lead(label) if label else None
                if mapped is not None:
                    leads.append(mapped[0])
            return leads

    return SequenceSets()


def _aecg_time_axis_of_component(component) -> bool:
    """Whether a sequence set's component is its TIME_ sequence."""
    code = component.find("sequence/code")
    return code is not None and (code.get("code") or "").strip().upper().startswith("TIME_")


# The GE MUSE fields ecgdatakit reads as numbers: the patient's (names and IDs are text, and "Nan"
# is a given name) and the sections of the cart's measurements, which hold numbers only.
_MUSE_PATIENT_NUMBERS = ("PatientAge", "HeightCM", "HeightIN", "WeightKG", "WeightLBS")
_MUSE_MEASUREMENTS = ("RestingECGMeasurements", "OriginalRestingECGMeasurements", "QRSTimesTypes", "PharmaData")


def _drop_non_finite(element, what: str, tags: tuple[str, ...] | None = None) -> None:
    """Remove from the XML ``element`` every text field (of ``tags``, when given) that reads as a
    number but not a finite one ("NaN", "inf", "-Infinity"), each with a warning naming it."""
    if element is None:
        return
    for parent in list(element.iter()):
        for child in list(parent):
            if tags is not None and child.tag not in tags:
                continue
            text = _non_finite_text(child)
            if text is not None:
                parent.remove(child)
                warnings.warn(f"GE MUSE: the {what} field <{child.tag}> reads {text!r}, which is not a "
                              "number; it was left out")


def _non_finite_text(element) -> str | None:
    """The text of a leaf XML field that reads as a number but not a finite one ("NaN", "inf",
    "-Infinity"; a decimal comma allowed), else None."""
    text = (element.text or "").strip()
    if len(element) or not text or len(text) > 32:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return None if math.isfinite(value) else text


def check_scp_lengths(path: Path) -> None:
    """An SCP-ECG file's leads (Section 3, EN 1064 5.6) must not declare more than MAX_SAMPLES
    samples: the decoder allocates what they declare before it finds the data short. A file
    whose pointers cannot be followed is left to the parser, which says what is wrong."""
    with open(path, "rb") as f:
        data = f.read(1 << 16)   # Sections 0 and 3 come first and are small
    try:
        end = 6 + struct.unpack_from("<I", data, 10)[0]
        pos = 6 + 16
        while pos + 10 <= min(end, len(data)):
            sid, length, index = struct.unpack_from("<HII", data, pos)
            pos += 10
            if sid == 3 and length >= 18 and index >= 1:
                break
        else:
            return
        body = index - 1 + 16
        for k in range(data[body]):
            start, stop = struct.unpack_from("<II", data, body + 2 + 9 * k)
            if stop - start + 1 > MAX_SAMPLES:
                raise fail(path, "scp-ecg", f"lead {k + 1} declares samples {start:,} to {stop:,}; "
                                            f"at most {MAX_SAMPLES:,} samples a lead are read")
    except (struct.error, IndexError):
        return


def check_ishne_length(path: Path) -> None:
    """An ISHNE Holter file must not hold more than MAX_SAMPLES samples a lead: the decoder reads
    the whole ECG block into memory (as float64, several copies) before any limit is applied, so a
    24 h 12-lead recording at 1000 Hz (2 GB of int16) took minutes and tens of GB, or ended in
    MemoryError. The samples a lead holds follow from the header (ISHNE 1.0: the ECG size in
    samples a lead at byte 14, the ECG block's offset at 22, the number of leads at 156, the
    sampling rate at 272) and the file's size; a header that cannot say is left to the parser."""
    with open(path, "rb") as f:
        head = f.read(512)
    try:
        ecg_size, _, ecg_offset = struct.unpack_from("<iii", head, 14)
        (leads,) = struct.unpack_from("<h", head, 156)
        (fs,) = struct.unpack_from("<h", head, 272)
    except struct.error:
        return
    size = path.stat().st_size
    if leads <= 0 or not 0 < ecg_offset < size:
        return
    held = (size - ecg_offset) // (2 * leads)
    n = min(held, ecg_size) if ecg_size > 0 else held
    if n > MAX_SAMPLES:
        rate = f" ({n / fs / 3600:.3g} h at {fs} Hz)" if fs > 0 else ""
        raise fail(path, "ishne", f"the file holds {n:,} samples a lead{rate}; at most {MAX_SAMPLES:,} are "
                                  f"read ({MAX_SAMPLES / 1000 / 3600:.3g} h at 1000 Hz, {MAX_SAMPLES / 100 / 3600:.3g} h "
                                  "at 100 Hz)")


def _reason(err: Exception, path: Path | None = None) -> str:
    """A reader's exception in words; the file's path, which the RecordError names already, left out."""
    text = str(err).strip() or type(err).__name__
    if path is not None:
        text = text.replace(f" in {path}", "").replace(str(path), Path(path).name)
    name = type(err).__name__
    if name in ("Error", "binascii.Error") or "base64" in text.lower() or "padding" in text.lower():
        return f"a waveform's base64 data is corrupt ({text})"
    if isinstance(err, (EOFError, IndexError)) or name in ("error", "struct.error") or "unpack" in text:
        return f"the file ends early or its data is damaged ({name}: {text})"
    if isinstance(err, RecursionError):
        return "the file is nested too deeply to be an ECG (RecursionError)"
    if isinstance(err, MemoryError):
        return "the file declares more data than can be held in memory (MemoryError)"
    if isinstance(err, (OverflowError, ZeroDivisionError)) or (
            isinstance(err, ValueError) and ("nan" in text.lower() or "infinity" in text.lower())):
        return f"a number in the file is out of range or not a number ({name}: {text})"
    return f"{text} ({name})" if name not in text else text


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
        raise fail(path, fmt, f"lead {lead.label}: amplitudes cannot be put in mV ({err})") from None
    return np.asarray(phys.samples, dtype=np.float64)


# Where each format states a lead's amplitude scale, for messages.
_SCALE_FIELD = {"dicom-ecg": "Channel Sensitivity", "hl7-aecg": "<scale>", "ge-muse-xml": "LeadAmplitudeUnitsPerBit",
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


def _is_cjk(ch: str) -> bool:
    """Han, kana or Hangul: scripts that write the family name first."""
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF
            or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF)


def person_name(given, family) -> str:
    """A patient's name as it is written: "Łukasz Wójcik" (given first), but a name all in Han, kana
    or Hangul family first without a space ("李小龙", "김민수", "佐藤花子"), as the files' own
    language writes it and a hospital's records list it; "" when neither is given."""
    given, family = (str(x or "").strip() for x in (given, family))
    letters = [ch for ch in given + family if ch.isalpha()]
    if letters and all(_is_cjk(ch) for ch in letters):     # "Tarou Yamada (山田太郎)" stays as it is
        return family + given
    return " ".join(x for x in (given, family) if x)


def _to_record(path: Path, fmt: str, src, notes: tuple[str, ...]) -> EcgRecord:
    if not src.leads:
        raise fail(path, fmt, "the file holds no waveform leads")
    # Monitors and Holters store other channels beside the ECG (blood pressure, respiration,
    # pacing status), often at other rates: only the ECG leads must agree, the rest is dropped.
    ecg = [lead for lead in src.leads if canonical_lead(lead.label or "") is not None]
    rates = {int(lead.sampling_rate) for lead in ecg}
    if len(rates) > 1:
        raise fail(path, fmt, f"ECG leads have different sampling frequencies ({sorted(rates)} Hz)")
    if not rates:
        labels = ", ".join(lead.label or "?" for lead in src.leads)
        raise fail(path, fmt, f"not enough ECG leads: has 0 of the 12 standard leads ({labels})")
    fs = _stated_rate(fmt, src, rates.pop())
    keep = {id(lead) for lead in ecg}
    channels = [(lead.label, _physical_mv(lead, path, fmt) if id(lead) in keep else np.zeros(0))
                for lead in src.leads]
    starts = _lead_starts(path, fmt, ecg, fs)
    if starts:   # leads recorded one group after another: each at its own time, missing elsewhere
        end = max(starts.get(id(lead), 0) + len(lead.samples) for lead in ecg)
        channels = [(label, np.concatenate([np.full(starts.get(id(lead), 0), np.nan), x,
                                            np.full(end - starts.get(id(lead), 0) - len(x), np.nan)])
                     if id(lead) in keep else x)
                    for lead, (label, x) in zip(src.leads, channels)]

    p, r = src.patient, src.recording
    dev = r.device
    device = " ".join(x for x in (dev.manufacturer, dev.model) if x).strip()
    name = person_name(p.first_name, p.last_name)
    info = {
        "patient_id": p.patient_id, "patient_name": name, "birth_date": p.birth_date,
        "age": p.age, "sex": p.sex, "acquired": r.date, "device": device,
        "site": dev.institution or r.location,
        "device_report": _device_report(fmt, src, device),
        "device_median_beats": _median_beats(path, fmt, src),
        "meta": {"reader": "ecgdatakit"},
    }
    if notes:
        info["meta"]["reader_warnings"] = notes
    declared = _declared_samples(fmt, src)
    read = max((len(x) for _, x in channels), default=0)
    if declared is not None and read < declared:
        # a Holter file cut short (a copy interrupted) still decodes, frame by frame, to a shorter record:
        # said, not refused, as ecgdatakit reads it (its writers' counts are exact in the files we know)
        info["meta"]["declared_length_note"] = (f"the file holds {read / fs:.1f} s of the {declared / fs:.1f} s "
                                                f"its header declares ({read:,} of {declared:,} samples per lead)")
    if starts:   # also a reader note, which the quality findings show beside the record
        note = _sequential_note([lead for lead in src.leads if id(lead) in keep], starts, fs)
        info["meta"]["sequential_leads_note"] = note
        info["meta"]["reader_warnings"] = (*info["meta"].get("reader_warnings", ()), note)
    return build_record(path, fmt, channels, fs, info=info, nan_is_missing=fmt in _MARKS_MISSING or bool(starts))


def _lead_starts(path: Path, fmt: str, ecg, fs: float) -> dict[int, int]:
    """Where each ECG lead's first sample lies (``id`` of the lead -> samples after the record's
    start), for an SCP-ECG file whose leads were not all recorded together: Section 3
    gives each lead's first and last sample number (EN 1064 5.6; a cart that records three leads at
    a time writes 1-1250, 1251-2500 ...), which ecgdatakit keeps as the lead's "start_sample"
    and otherwise drops, so that leads recorded 2.5 s apart were drawn as simultaneous. Counted
    from the earliest lead's first sample (a file whose leads all start at sample 101 is read from
    there). {} when every lead starts at the same sample (any other format).

    Raises:
        RecordError: a lead that starts or ends past MAX_SAMPLES.
    """
    if fmt != "scp-ecg":
        return {}
    firsts = {}
    for lead in ecg:
        try:
            firsts[id(lead)] = int((lead.annotations or {}).get("start_sample", 1)) - 1
        except (TypeError, ValueError):
            firsts[id(lead)] = 0
    origin = min(firsts.values(), default=0)
    starts = {}
    for lead in ecg:
        first = firsts[id(lead)] - origin
        if first > 0:
            if first + len(lead.samples) > MAX_SAMPLES:
                raise fail(path, fmt, f"lead {lead.label} starts at sample {first + 1:,}; at most {MAX_SAMPLES:,} "
                                      f"samples a lead are read")
            starts[id(lead)] = first
    return starts


def _sequential_note(leads, starts: dict[int, int], fs: float) -> str:
    """The leads' own stretches in words: "I, II, III 0-2.5 s; aVR, aVL, aVF 2.5-5 s ..."."""
    spans: dict[tuple[float, float], list[str]] = {}
    for lead in leads:
        first = starts.get(id(lead), 0)
        spans.setdefault((first / fs, (first + len(lead.samples)) / fs), []).append(lead.label)
    return ("leads recorded one group after another (SCP-ECG Section 3): " + "; ".join(
        f"{', '.join(names)} {a:g}-{b:g} s" for (a, b), names in sorted(spans.items()))
        + "; each lead is missing outside its own stretch")


def _declared_samples(fmt: str, src) -> int | None:
    """The samples per lead the file's header declares, where the format states it apart from the
    samples themselves (ISHNE's ECG size); None elsewhere (the other readers refuse a file shorter
    than its header, or have no such count)."""
    if fmt != "ishne":
        return None
    try:
        n = int((src.raw_metadata or {}).get("ecg_size"))
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def _stated_rate(fmt: str, src, rate: int) -> float:
    """The rhythm's sampling frequency in Hz as the file states it.

    ecgdatakit gives each lead a whole number of Hz; a DICOM Sampling Frequency (Hz) or an HL7
    aECG time increment (seconds a sample) that is no whole number of Hz (333.333 Hz, 3 ms) would
    then stretch or squeeze the record's time axis. The stated rate (from ecgdatakit's
    ``raw_metadata``: the rhythm's multiplex group, chosen as ecgdatakit chooses it, or the rhythm
    series' time increment) is kept when it rounds to ``rate``; within 1 ppm of ``rate`` it is
    ``rate`` (1 / 0.002 s in binary floating point).
    """
    meta = src.raw_metadata or {}
    stated = None
    if fmt == "dicom-ecg":
        groups = [g for g in meta.get("multiplex_groups") or ()
                  if not any(word in str(g.get("label") or "").upper() for word in _MEDIAN_LABEL_WORDS)]
        stated = groups[0].get("sampling_frequency") if groups else None
    elif fmt == "hl7-aecg":
        stated = (meta.get("rhythm_time") or {}).get("sampling_rate_exact")
    try:
        stated = float(stated)
    except (TypeError, ValueError):
        return float(rate)
    if not math.isfinite(stated) or round(stated) != rate or abs(stated - rate) <= 1e-6 * rate:
        return float(rate)
    return stated


# the annotation in which ecgdatakit keeps a cart's headline QTc when the file names no formula for
# it: GE MUSE's QTCorrected ("491"), Philips 1.03's meanqtc ("393 ms (formula not stated)")
_UNNAMED_QTC = {"ge-muse-xml": "QTCorrected", "philips-xml": "qtc"}


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


def _device_report(fmt: str, src, device: str) -> dict | None:
    """The device's own interpretation and global measurements, labelled as the device's."""
    statements = [" ".join(s for s in pair if s).strip() for pair in src.interpretation.statements]
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
    analysis = _DEVICE_ANALYSIS.get(fmt, "")
    source = " ".join(x for x in (device or FORMATS[fmt].name, f"({analysis})" if analysis else "") if x)
    who = src.interpretation.source or "machine"
    return {"source": source, "statements": tuple(statements), "measurements": measurements,
            "statement_origin": who,
            "note": "the acquiring device's own analysis, as stored in the file; not MIRAGE's"}


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
        fs = float(lead.sampling_rate)
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
