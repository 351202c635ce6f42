"""The ECG file formats MIRAGE reads, how to recognise each from its content, and file filters.

Recognition follows each format's own signature: DICOM's "DICM" magic at byte 128 (PS3.10
7.1; a file written without that preamble by its data set's first element and a DICOM UID),
EDF's "0       " version field and BDF's 0xFF "BIOSEMI" (EDF+ spec, BioSemi) followed by a fixed
header with its start date and time, SCP-ECG's
"SCPECG" reserved field in section 0 (EN 1064 5.3; in a file without it, section 0's structure
and CRC), ISHNE's "ISHNE1.0" magic, MFER's preamble
tag (or, in a .mwf/.mfer file without that optional preamble, a chain of MFER definitions,
ISO 22077-1), and for XML the root element (GE MUSE ``RestingECG``, GE CardioSoft ``CardiologyXML``,
Philips ``restingecgdata``, HL7 aECG ``AnnotatedECG``; in UTF-16 with or without a byte-order mark, XML 1.0
Appendix F). The extension only breaks ties; a path alone is enough.
"""

from __future__ import annotations

import binascii
import re
import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Format:
    """One readable file format.

    Attributes:
        id: short key written to ``EcgRecord.meta["format"]`` and to the batch CSV ("ge-muse-xml").
        name: what users call it ("GE MUSE XML").
        extensions: usual file extensions, lower case with the dot.
        extra: the optional dependency group (``pip install 'mirage-review[formats]'``) the
            reader needs, or None when the core install reads it.
    """

    id: str
    name: str
    extensions: tuple[str, ...]
    extra: str | None = None


FORMATS: dict[str, Format] = {f.id: f for f in (
    Format("wfdb", "WFDB", (".hea",)),
    Format("challenge-mat", "PhysioNet Challenge .mat", (".hea",)),
    Format("ge-muse-xml", "GE MUSE XML", (".xml",), "formats"),
    Format("ge-cardiosoft-xml", "GE CardioSoft XML", (".xml",), "formats"),
    Format("philips-xml", "Philips PageWriter/TraceMaster XML", (".xml",), "formats"),
    Format("hl7-aecg", "HL7 aECG", (".xml",), "formats"),
    Format("dicom-ecg", "DICOM ECG waveform", (".dcm", ".dicom"), "formats"),
    Format("scp-ecg", "SCP-ECG", (".scp",), "formats"),
    Format("edf", "EDF/EDF+", (".edf",), "formats"),
    Format("bdf", "BDF", (".bdf",), "formats"),
    Format("ishne", "ISHNE Holter", (".ecg", ".ishne"), "formats"),
    Format("mfer", "MFER", (".mwf", ".mfer"), "formats"),
)}

# Extensions that may hold a record (the folder browser and batch scoring look at these).
ECG_EXTENSIONS: tuple[str, ...] = tuple(sorted({e for f in FORMATS.values() for e in f.extensions}))

# Qt file-dialog filter for Open: all readable formats first, then one entry per family.
OPEN_FILTER = ";;".join([
    "ECG records (" + " ".join(f"*{e}" for e in (".hea", ".dat", ".mat") + tuple(
        e for e in ECG_EXTENSIONS if e != ".hea")) + ")",
    "WFDB / PhysioNet (*.hea *.dat *.mat)",
    "Vendor XML: GE MUSE, GE CardioSoft, Philips, HL7 aECG (*.xml)",
    "DICOM ECG (*.dcm *.dicom)",
    "SCP-ECG (*.scp)",
    "EDF / EDF+ / BDF (*.edf *.bdf)",
    "ISHNE / MFER (*.ecg *.ishne *.mwf *.mfer)",
    "All files (*)",
])

# Save as: the research formats MIRAGE writes; filter entry -> (format, anonymise).
SAVE_CHOICES: dict[str, tuple[str, bool]] = {
    "WFDB record (*.hea)": ("wfdb", False),
    "EDF+ (*.edf)": ("edf", False),
    "WFDB record, anonymised (*.hea)": ("wfdb", True),
    "EDF+, anonymised (*.edf)": ("edf", True),
}
SAVE_FILTER = ";;".join(SAVE_CHOICES)


def save_choice(selected_filter: str, path: str) -> tuple[str, bool]:
    """(format, anonymise) for a Save-as dialog's chosen filter; the extension decides when the
    filter is unknown (".edf" -> EDF+, anything else WFDB)."""
    if selected_filter in SAVE_CHOICES:
        return SAVE_CHOICES[selected_filter]
    return ("edf" if str(path).lower().endswith(".edf") else "wfdb"), False

_XML_ROOTS = {"restingecg": "ge-muse-xml", "cardiologyxml": "ge-cardiosoft-xml", "restingecgdata": "philips-xml",
              "annotatedecg": "hl7-aecg"}
_RX_TAG = re.compile(r"<([!?/]?)([A-Za-z_][\w.:-]*)")
# An XML comment, also one that runs past the bytes read (its text is no element).
_RX_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
HEAD_BYTES = 65536  # enough to pass an XML prolog with a long comment or DOCTYPE
SCAN_BYTES = 8192   # what folder discovery reads first per candidate file (vendor roots come early)
# DICOM without the 128-byte preamble and "DICM" (PS3.10 7.1 makes them part of a file; some
# PACS exports leave them out): the data set starts with a group 0002 or 0008 element, and a
# DICOM UID ("1.2.840.10008.") follows within the first bytes (the SOP class or transfer syntax).
_DICOM_UID_ROOT = b"1.2.840.10008."
DICOM_PROBE_BYTES = 1024   # holds the preamble and the file meta group (its SOP class UID)
# The storage SOP classes' UID root, and those of the waveforms that may hold an ECG: the ECG waveforms
# (12-lead, General, Ambulatory) and the Hemodynamic Waveform (a cath lab's, which may hold the 12 leads).
DICOM_STORAGE_SOP = b"1.2.840.10008.5.1.4.1.1."
DICOM_ECG_SOP = (b"1.2.840.10008.5.1.4.1.1.9.1.", b"1.2.840.10008.5.1.4.1.1.9.2.1")


def sniff(head: bytes, suffix: str = "") -> str | None:
    """The format id that ``head`` (the first bytes of a file) shows, or None.

    "xml" means a well-formed-looking XML document whose root is not an ECG MIRAGE knows;
    "dicom" is returned for any DICOM file (whether it is a waveform is checked on reading). An
    empty file is no format, whatever its extension (EDF's and BDF's version field must be
    followed by a fixed header with its start date and time, ``edf_problem``; a file without
    SCP-ECG's "SCPECG" mark is SCP-ECG when it starts with an SCP-ECG record header and section
    0 whose CRC fits, ``scp_problem``; an MFER file without its preamble must be named
    .mwf/.mfer and start with MFER definitions, ``mfer_problem``).
    """
    suffix = suffix.lower()
    if not head:
        return None     # an empty file is no ECG, whatever its name
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom-ecg"
    if _dicom_without_preamble(head):
        return "dicom-ecg"
    if head[:8] in _EDF_VERSIONS and edf_problem(head) is None:
        return _EDF_VERSIONS[head[:8]]
    if head[:8] == b"ISHNE1.0":  # ("ANN  1.0" is an ISHNE annotation file, not an ECG)
        return "ishne"
    if len(head) >= 22 and head[16:22] == b"SCPECG":
        return "scp-ecg"
    if _mfer_preamble(head):
        return "mfer"
    if _xml_like(head):
        root = _root_element(xml_head_text(head))
        if root is None:
            return "xml"
        return _XML_ROOTS.get(root.rsplit(":", 1)[-1].lower(), "xml")
    if scp_problem(head) is None:
        return "scp-ecg"  # SCP-ECG without the "SCPECG" mark: its section 0 and CRC show it
    if suffix in FORMATS["mfer"].extensions and mfer_problem(head) is None:
        return "mfer"     # MFER without its (optional) preamble: its definitions show it
    return None


# SCP-ECG (EN 1064 5.2-5.3): the record's CRC and length (6 bytes), then section 0 at byte 7, whose
# 16-byte header (CRC, ID, length, versions, reserved: "SCPECG") is followed by 10-byte pointers
# (section ID, length, index), the first of them to section 0 itself.
_SCP_SECTION_HEADER = 16
_SCP_POINTER = 10


_SCP_NOT_HEADER = "its first bytes are not the format's record header"
_SCP_FROM_ZERO = ("section 0's first pointer is to itself at byte 6, not 7: its pointers count bytes from 0, where "
                  "EN 1064 counts from 1")


def scp_variant(head: bytes) -> str | None:
    """What ``head`` (a file's first bytes) is, in words, when it opens as the SCP-ECG variant off the
    standard that Healforce's handheld recorders write (KaibinBao/healforcescpecg: an SCP-ECG record
    header and section 0 in every other respect, but its pointers counting bytes from 0), else None."""
    if scp_problem(head) != f"{_SCP_NOT_HEADER} ({_SCP_FROM_ZERO})":
        return None
    return f"an SCP-ECG variant off the standard, as Healforce's handheld recorders write ({_SCP_FROM_ZERO})"


def scp_problem(head: bytes) -> str | None:
    """Why ``head`` (a file's first bytes) is no SCP-ECG record, or None when it is one: section
    0 at byte 7 with ID 0 and a length of its header and whole pointers, the first pointing to
    section 0 at byte 7, within the record length the file's bytes 3-6 give (the structure
    ecgdatakit's parser reads); and then section 0's "SCPECG" mark or, where a writer left it
    out, a section 0 CRC (CRC-CCITT) that fits. A file whose record CRC fails is still SCP-ECG:
    reading it warns (``quality``'s file_checksum finding)."""
    not_scp = _SCP_NOT_HEADER
    need = 6 + _SCP_SECTION_HEADER + _SCP_POINTER
    if len(head) < need:
        return f"{not_scp} (it holds {len(head)} bytes, fewer than the {need} of a record header and section 0)"
    (record,), (sid, length) = struct.unpack_from("<I", head, 2), struct.unpack_from("<HI", head, 8)
    if sid != 0:
        return f"{not_scp} (section 0 starts at byte 7, but the section ID there reads {sid})"
    if length < _SCP_SECTION_HEADER + _SCP_POINTER or (length - _SCP_SECTION_HEADER) % _SCP_POINTER:
        return f"{not_scp} (section 0's length {length} is not a 16-byte header and whole 10-byte pointers)"
    if record < 6 + length:
        return f"{not_scp} (its record length {record} cannot hold section 0's {length} bytes)"
    pointed, _, index = struct.unpack_from("<HII", head, 6 + _SCP_SECTION_HEADER)
    if pointed == 0 and index == 6:
        return f"{not_scp} ({_SCP_FROM_ZERO})"
    if pointed != 0 or index != 7:
        return f"{not_scp} (section 0's first pointer is to section {pointed} at byte {index}, not to itself at byte 7)"
    if head[16:22] == b"SCPECG":
        return None
    if 6 + length > len(head):
        return (f"{not_scp} (section 0 lacks the \"SCPECG\" mark, and its {length} bytes run past the "
                f"{len(head)} read to check its CRC)")
    if binascii.crc_hqx(head[8:6 + length], 0xFFFF) != struct.unpack_from("<H", head, 6)[0]:
        return f"{not_scp} (section 0 has neither the \"SCPECG\" mark nor a CRC that fits it)"
    return None


# MFER definition tags (ISO 22077-1, MFER Part 1 Table 5-64).
_MFER_TAGS = frozenset((*range(0x01, 0x10), 0x11, 0x12, 0x15, 0x16, 0x17, 0x1E, 0x3F, *range(0x40, 0x47),
                        0x67, *range(0x81, 0x89)))
_MFER_LAYOUT = frozenset((0x01, 0x04, 0x05, 0x06, 0x0A, 0x0B, 0x0C, 0x3F))  # byte order, frame, sampling, channels
_MFER_ATT, _MFER_SET, _MFER_WAV, _MFER_END = 0x3F, 0x67, 0x1E, 0x80


def _mfer_value_fits(tag: int, value: bytes) -> bool:
    """The value's size (and for byte order and data type, its value) is one MFER allows."""
    n = len(value)
    if tag == 0x01:                       # MWF_BLE: 0 big, 1 little endian
        return n == 1 and value[0] in (0, 1)
    if tag == 0x02:                       # MWF_VER: three version bytes
        return n == 3
    if tag == 0x0A:                       # MWF_DTP: data type code 0-9
        return n <= 1 and (not n or value[0] <= 9)
    if tag in (0x04, 0x05, 0x06, 0x07):   # block length, channels, sequences, pointer
        return n <= 4
    if tag in (0x0B, 0x0C):               # interval, resolution: unit, exponent, mantissa
        return n == 0 or 3 <= n <= 6
    return True


def _mfer_preamble(head: bytes) -> bool:
    """``head`` opens with MFER's preamble: tag 0x40, a length byte, "MFR " (ISO 22077-1)."""
    return len(head) >= 6 and head[0] == 0x40 and head[2:6] == b"MFR "


def mfer_problem(head: bytes) -> str | None:
    """Why ``head`` (a file's first bytes) is no MFER file, or None when it may be one: MFER's
    preamble (tag 0x40, "MFR "), or what a file without that optional preamble starts with, a
    chain of MFER definitions (tag, BER length, value): three of them, or two up to the waveform
    data, one of which describes the frame's layout (byte order, block, channels, sequences, data
    type, interval, resolution or a channel's attributes)."""
    if _mfer_preamble(head):
        return None
    not_mfer = "its first bytes are neither MFER's preamble nor MFER definitions"
    pos, count, layout, data, end = 0, 0, False, False, len(head)
    while pos < end and count < 3 and not data:
        tag = head[pos]
        if tag == 0:                      # MWF_ZRO: padding between definitions
            pos += 1
            continue
        if tag == _MFER_END:
            break
        if tag not in _MFER_TAGS:
            return f"{not_mfer} (byte 0x{tag:02X} at offset {pos} is no MFER tag)"
        at, pos = pos, pos + 1
        if tag == _MFER_ATT:              # the channel number: 7 bits a byte, the high bit says more
            while pos < end and head[pos] & 0x80:
                pos += 1
            pos += 1
        if pos >= end:
            break
        first, pos = head[pos], pos + 1
        if first == 0x80 and tag not in (_MFER_ATT, _MFER_SET):
            return f"{not_mfer} (tag 0x{tag:02X} at offset {at} has an indefinite length)"
        if first > 0x84:
            return f"{not_mfer} (tag 0x{tag:02X} at offset {at} has a {first & 0x7F}-byte length; MFER allows 4)"
        n = first & 0x7F if first > 0x80 else 0      # long form: n bytes of length follow
        length = int.from_bytes(head[pos:pos + n], "big") if n else first & 0x7F
        pos += n
        count += 1
        layout = layout or tag in _MFER_LAYOUT
        data = tag == _MFER_WAV
        if first == 0x80 or pos + length > end:
            break                         # definitions nested, or past the bytes read: judged so far
        if not _mfer_value_fits(tag, head[pos:pos + length]):
            return f"{not_mfer} (tag 0x{tag:02X} at offset {at} holds {length} bytes, a size MFER does not allow)"
        pos += length
    if not layout or count < (2 if data else 3):
        return f"{not_mfer} (too few MFER definitions at its start)"
    return None


def _xml_like(head: bytes) -> bool:
    """``head`` starts like an XML document: "<" first, past a byte-order mark and white space."""
    return head.lstrip(b"\xef\xbb\xbf\xfe\xff\x00 \t\r\n")[:1] == b"<"


def _root_element(text: str) -> str | None:
    """The first element's name in XML ``text``, past comments, ``<?...?>`` and ``<!...>``; None
    when the text ends before one."""
    for m in _RX_TAG.finditer(_RX_COMMENT.sub("", text)):
        if not m.group(1):
            return m.group(2)
    return None


def _dicom_without_preamble(head: bytes) -> bool:
    """``head`` starts like a DICOM data set stored without its preamble: a group 0002 (file meta)
    or 0008 element, little endian, and a DICOM UID within its first DICOM_PROBE_BYTES."""
    return (len(head) >= 8 and head[:2] in (b"\x02\x00", b"\x08\x00") and head[3] == 0
            and _DICOM_UID_ROOT in head[:DICOM_PROBE_BYTES])


def dicom_ecg_head(head: bytes) -> bool:
    """Whether ``head`` (a file's first DICOM_PROBE_BYTES) is a DICOM that may be an ECG waveform:
    a DICOM whose storage SOP class, where those bytes name one, is an ECG's (folder discovery
    takes a file of any name that is one; reading it checks the SOP class in full)."""
    if sniff(head) != "dicom-ecg":
        return False
    window = head[:DICOM_PROBE_BYTES]
    return any(sop in window for sop in DICOM_ECG_SOP) or DICOM_STORAGE_SOP not in window


# XML ECGs of formats MIRAGE does not read, by root element (lower case): recognised so that a refusal
# names what the file is and a folder's batch counts it among the ECGs it failed to read, not among the
# files that are no ECG. Schiller's SEMA export, whose root is the Java class it was serialised from;
# Mortara's ELI XML, whose root <ECG> is told by its ACQUISITION_TIME. Neither is read: no public file of
# either exists to check a reader against (README, "Clinical ECG formats").
_UNREAD_XML_ECG = {"com.xiriuz.sema.xml.schilleredi.schilleredi": "Schiller SEMA XML"}
_MORTARA_MARK = re.compile(r"<ECG\b[^>]*\bACQUISITION_TIME")


def unread_xml_ecg(head: bytes) -> str | None:
    """The name of the XML ECG format MIRAGE does not read that ``head`` (a file's first bytes) is
    ("Mortara ELI XML"), or None."""
    if not _xml_like(head):
        return None
    text = xml_head_text(head)
    root = _root_element(text)
    if root is None:
        return None
    key = root.rsplit(":", 1)[-1].lower()
    if key == "ecg" and _MORTARA_MARK.search(_RX_COMMENT.sub("", text)):
        return "Mortara ELI XML"
    return _UNREAD_XML_ECG.get(key)


# Contec ECG90A's own recordings (.ECG), as RigacciOrg/ecg-contec reads them: a 43-byte header that opens
# with the case number (NUL-terminated in 8 bytes), 2 bytes, then the time "YYYY-MM-DD hh:mm:ss" (bytes 10-28).
_CONTEC_CASE = re.compile(rb"(\d{1,7})\x00+")
_CONTEC_TIME = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def contec_ecg90a(head: bytes) -> str | None:
    """"case N, recorded T" when ``head`` (a file's first bytes) opens as a Contec ECG90A
    recording's header, else None."""
    case = _CONTEC_CASE.fullmatch(head[:8])
    if case is None or not _CONTEC_TIME.fullmatch(head[10:29]):
        return None
    return f"case {case.group(1).decode()}, recorded {head[10:29].decode()}"


def ishne_problem(head: bytes) -> str:
    """Why ``head`` (a file's first bytes, not ISHNE's) is no ISHNE Holter file, in words."""
    contec = contec_ecg90a(head)
    if contec:
        return f"it is a Contec ECG90A recording ({contec}), a format MIRAGE does not read"
    said = head[:8].decode("latin-1").encode("ascii", "backslashreplace").decode("ascii")
    return f"its first 8 bytes read '{said}', not the format's magic 'ISHNE1.0'"


def xml_root(head: bytes) -> str:
    """The root element's name in ``head`` (for messages), or "?"."""
    return _root_element(xml_head_text(head)) or "?"


# How many of a file's first bytes tell UTF-16 without a byte-order mark: its XML prolog or root
# tag is ASCII, so one byte of every two is NUL (the first in big endian, the second in little).
_UTF16_PROBE_BYTES = 64


def utf16_without_bom(head: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when ``head`` (a file's first bytes) is UTF-16 text without a
    byte-order mark, else None: of its first _UTF16_PROBE_BYTES (whole characters, at least two),
    the bytes in one place of each pair are all NUL and at least three in four of the others are
    not (ASCII text, as an XML prolog and root tag are). UTF-8 and Latin-1 text holds no NUL."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    probe = head[:min(len(head), _UTF16_PROBE_BYTES) & ~1]
    if len(probe) < 4:
        return None
    first, second = probe[0::2], probe[1::2]
    for nul, text, codec in ((second, first, "utf-16-le"), (first, second, "utf-16-be")):
        if not nul.strip(b"\x00") and 4 * text.count(0) <= len(text):
            return codec
    return None


def xml_head_text(head: bytes) -> str:
    """``head`` (a file's first bytes, which may end inside a character) as text for finding its
    root element: UTF-16 with a byte-order mark or without one (``utf16_without_bom``), else
    Latin-1 (which decodes any bytes, and UTF-8's ASCII names alike)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", "replace")
    codec = utf16_without_bom(head)
    return head.decode(codec, "replace") if codec else head.decode("latin-1")


def sniff_unnamed(path: Path) -> str | None:
    """The format id of a file whose name shows no ECG format ("IM000001", a UID, a MUSE export's
    "MUSE_20240101_093000_12345", a Holter's "HOLTER_7"), or None: a DICOM that may be an ECG
    waveform (``dicom_ecg_head``), an XML whose root element is a vendor ECG's, or a binary ECG
    whose signature its header's structure bears out: SCP-ECG (``scp_problem``), EDF or BDF (the
    version field and a fixed header whose dates, header length and signal count fit,
    ``edf_header_fits``), ISHNE ("ISHNE1.0") and MFER (its preamble, then an MFER definition;
    without the optional preamble MFER's first bytes are too generic, and its extension is
    needed). Anything else is None, an XML of another kind included, so that a folder's other files
    are passed by; the read is bounded (DICOM_PROBE_BYTES, and ``sniff_file``'s for a file that
    starts like XML).

    Raises:
        OSError: the file cannot be read.
    """
    head = read_head(path, DICOM_PROBE_BYTES)
    if dicom_ecg_head(head):
        return "dicom-ecg"
    if _xml_like(head):
        fmt = sniff_file(path)
        return fmt if fmt in _XML_ROOTS.values() else None
    fmt = sniff(head)
    if fmt in ("edf", "bdf"):
        return fmt if edf_header_fits(head) else None
    if fmt == "ishne":
        return fmt
    if fmt == "mfer":
        return fmt if _mfer_preamble_fits(head) else None
    if fmt == "scp-ecg" and scp_problem(head) is None:
        return fmt
    return None


# EDF's fixed header (EDF spec 2.1): start date "dd.mm.yy" at byte 168, start time "hh.mm.ss" at 176
# (any separator: some writers use another), then ASCII numbers in fields of 8 (4 for the signals).
_EDF_VERSIONS = {b"0       ": "edf", b"\xffBIOSEMI": "bdf"}
_RX_EDF_CLOCK = re.compile(rb"[0-9]{2}[^0-9][0-9]{2}[^0-9][0-9]{2}")
_RX_EDF_INT = re.compile(rb" *[+-]?[0-9]+ *")
_RX_EDF_NUMBER = re.compile(rb" *[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)? *")


def edf_problem(head: bytes) -> str | None:
    """Why ``head`` (a file's first bytes) is no EDF or BDF file, or None when it is one: EDF's
    "0       " or BDF's 0xFF "BIOSEMI" version field, then a fixed header of 256 bytes with a
    start date and time where the EDF spec puts them. A text that starts like the version field
    (a table of numbers) is no EDF; a real one whose other fields are damaged is, and reading it
    says which field (``edf_records._check_header``)."""
    not_edf = "its first bytes are no EDF or BDF header"
    if head[:8] not in _EDF_VERSIONS:
        return (f"{not_edf} (its version field reads {head[:8].decode('latin-1')!r}, neither EDF's "
                f"\"0       \" nor BDF's 0xFF \"BIOSEMI\")")
    if len(head) < 256:
        return f"{not_edf} (it holds {len(head)} bytes, fewer than the 256 of the fixed header)"
    if not (_RX_EDF_CLOCK.fullmatch(head[168:176]) and _RX_EDF_CLOCK.fullmatch(head[176:184])):
        return f"{not_edf} (bytes 168-183 read {head[168:184].decode('latin-1')!r}, not a start date and time)"
    return None


def edf_header_fits(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) is an EDF or BDF header (``edf_problem``) whose
    fields fit each other: a header length of 256 bytes for it and each signal, whole numbers
    of data records (-1: not known) and signals (at least one), a numeric data record duration.
    A file under a name that shows no ECG format must pass this to be taken for one."""
    if edf_problem(head) is not None:
        return False
    fields = (head[184:192], head[236:244], head[252:256])
    if not all(_RX_EDF_INT.fullmatch(f) for f in fields) or not _RX_EDF_NUMBER.fullmatch(head[244:252]):
        return False
    header_bytes, records, signals = (int(f) for f in fields)
    return signals >= 1 and header_bytes == 256 * (signals + 1) and records >= -1


def _mfer_preamble_fits(head: bytes) -> bool:
    """Whether ``head`` opens with MFER's preamble (tag 0x40, a short length, "MFR ") and an MFER
    definition (or padding) right after it."""
    if not _mfer_preamble(head) or not 4 <= head[1] < 0x80:
        return False
    after = 2 + head[1]
    return after < len(head) and (head[after] == 0 or head[after] in _MFER_TAGS)


def sniff_file(path: Path, size: int = SCAN_BYTES) -> str | None:
    """The format id of the file at ``path``: ``sniff`` of its first ``size`` bytes, read on up to
    HEAD_BYTES when they end inside an XML prolog (a long comment or DOCTYPE before the root
    element), so that a file reads as the same format whatever ``size`` (folder discovery reads
    SCAN_BYTES, loading HEAD_BYTES).

    Raises:
        OSError: the file cannot be read.
    """
    with open(path, "rb") as f:
        head = f.read(size)
        fmt = sniff(head, path.suffix)
        if fmt == "xml" and len(head) == size < HEAD_BYTES:
            if _root_element(xml_head_text(head)) is None:
                fmt = sniff(head + f.read(HEAD_BYTES - size), path.suffix)
    return fmt


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of ``path``."""
    with open(path, "rb") as f:
        return f.read(size)
