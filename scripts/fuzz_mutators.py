"""The mutations of ``fuzz_mutations.py``: damaged copies of one source file, made by a seeded random generator.

Each generator returns {mutation name: {file name: bytes}} for the files that differ from the source: bytes cut
short, flipped or zeroed (any file); header fields altered (WFDB .hea, EDF, DICOM, ISHNE, MFER, SCP-ECG); XML
leaves removed or duplicated, numbers replaced, the text in another encoding than it declares. ``mutations``
picks those that fit a source.
"""

from __future__ import annotations

import random
import re
import struct
import sys
from pathlib import Path

NUMBER = re.compile(r"(?<=[>\"'])\s*-?\d+(?:\.\d+)?\s*(?=[<\"'])")
LEAF = re.compile(r"<([A-Za-z_][\w:.-]*)(?:\s[^<>]*)?>[^<]*</\1>|<[A-Za-z_][\w:.-]*(?:\s[^<>]*)?/>")
# the fields a reader needs to scale and shape the samples, by their names in MUSE, CardioSoft, Philips and HL7 aECG
KEYS = (r"samplingrate|samplespersecond|SampleRate|SampleBase|SampleExponent|signalresolution|resolution|Resolution"
        r"|LeadAmplitudeUnitsPerBit|LeadSampleCountTotal|ChannelSampleCountTotal|NumberOfLeads|numberofleads|increment"
        r"|scale|durationperchannel|bitspersample|nbitspersample|LeadByteCountTotal|FirstSampleBaseline|LeadSampleSize"
        r"|numberchannelsvalid|numberchannelsallocated|signaloffset")
KEY_PATTERNS = (re.compile(rf"(<({KEYS})\b[^>]*?\bvalue=\")([^\"]*)(\")"),      # <scale value="2.5" unit="uV"/>
                re.compile(rf"(<({KEYS})(?:\s[^>]*)?>)([^<]*)(</)"),               # <SampleBase>500</SampleBase>
                re.compile(rf"(\s({KEYS})=\")([^\"]*)(\")"))                     # samplespersecond="500"
FIELD_TAG = re.compile(r"sampl|rate|freq|gain|scale|resolution|count|lead|unit|duration|number|length|increment",
                       re.I)


def _companions(hea: Path) -> list[Path]:
    """A WFDB header's signal files (same stem)."""
    return [p for p in hea.parent.glob(hea.stem + ".*") if p != hea and p.suffix.lower() != ".hea"]



# --------------------------------------------------------------------------------------------
# Mutations: each returns {mutation name: {file name: bytes}} for the files that differ from the source
# --------------------------------------------------------------------------------------------

def _bytes_damage(name: str, data: bytes, rng: random.Random, tag: str = "") -> dict[str, dict[str, bytes]]:
    out = {}
    n = len(data)
    for k, cut in enumerate(sorted(rng.randrange(0, n) for _ in range(10))):
        out[f"{tag}trunc{k}@{cut}"] = {name: data[:cut]}
    for k in range(20):
        at = rng.randrange(n)
        flipped = bytearray(data)
        flipped[at] ^= rng.randrange(1, 256)
        out[f"{tag}flip{k}@{at}"] = {name: bytes(flipped)}
    for k in range(5):              # 20 bytes flipped at once
        flipped = bytearray(data)
        for at in rng.sample(range(n), min(20, n)):
            flipped[at] ^= rng.randrange(1, 256)
        out[f"{tag}flip20x{k}"] = {name: bytes(flipped)}
    if not tag and not _is_xml(data):
        for k in range(10):         # a binary file's header, where the reader's decisions are
            at = rng.randrange(min(n, 2048))
            flipped = bytearray(data)
            flipped[at] ^= rng.randrange(1, 256)
            out[f"headflip{k}@{at}"] = {name: bytes(flipped)}
    for k in range(2):
        at = rng.randrange(max(1, n - 512))
        out[f"{tag}zero{k}@{at}"] = {name: data[:at] + bytes(min(512, n - at)) + data[at + 512:]}
    return out


def _is_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<") or data[:2] in (b"\xff\xfe", b"\xfe\xff")


def _xml_text(data: bytes) -> tuple[str, str]:
    """The XML's text and the codec that gives its bytes back (UTF-16 with its byte-order mark, else UTF-8)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "utf-16"
    return data.decode("utf-8", "surrogateescape"), "utf-8"


def _xml_damage(name: str, data: bytes, rng: random.Random) -> dict[str, dict[str, bytes]]:
    text, codec = _xml_text(data)

    def enc(t: str) -> dict[str, bytes]:
        return {name: t.encode(codec, "surrogateescape" if codec == "utf-8" else "strict")}

    out = {}
    leaves = list(LEAF.finditer(text))
    fields = [m for m in leaves if FIELD_TAG.search(m.group(0)[:60])]
    picks = rng.sample(leaves, min(4, len(leaves))) + rng.sample(fields, min(6, len(fields)))
    for m in picks:
        tag = re.match(r"<([\w:.-]+)", m.group(0)).group(1)
        out[f"drop-{tag}@{m.start()}"] = enc(text[:m.start()] + text[m.end():])
        out[f"dup-{tag}@{m.start()}"] = enc(text[:m.end()] + m.group(0) + text[m.end():])
    numbers = list(NUMBER.finditer(text))
    for m in rng.sample(numbers, min(4, len(numbers))):
        for word in ("NaN", "1e308", ""):
            out[f"num{word or 'empty'}@{m.start()}"] = enc(text[:m.start()] + word + text[m.end():])
    for key in sorted({m.group(2) for pattern in KEY_PATTERNS for m in pattern.finditer(text)}):
        for word in ("0", "-500", "1e308", "NaN", "", "99999999", "x"):
            edited = text
            for pattern in KEY_PATTERNS:
                edited = pattern.sub(lambda mm: mm.group(1) + word + mm.group(4) if mm.group(2) == key
                                     else mm.group(0), edited)
            out[f"field-{key}={word or 'empty'}"] = enc(edited)
        whole = re.compile(rf"<{re.escape(key)}\b[^>]*?(?:/>|>[^<]*</{re.escape(key)}>)")
        if whole.search(text):
            out[f"field-{key}-removed"] = enc(whole.sub("", text))
    out["enc-utf16-undeclared"] = {name: text.encode("utf-16", "replace")}
    out["enc-utf16le-nobom"] = {name: text.encode("utf-16-le", "replace")}
    out["enc-utf8-says-utf16"] = {name: re.sub(r"encoding=[\"'][^\"']*[\"']", 'encoding="UTF-16"', text, count=1)
                                  .encode("utf-8", "replace")}
    out["enc-utf8-no-declaration"] = {name: re.sub(r"^\ufeff?<\?xml[^>]*\?>", "", text).encode("utf-8", "replace")}
    latin = re.sub(r">([A-Za-z][^<]{0,20})<", lambda mm: ">\u00e9\u00fc" + mm.group(1) + "<", text, count=3)
    out["enc-latin1-as-declared"] = {name: latin.encode("latin-1", "replace")}
    return out


def _wfdb_header_damage(hea: Path) -> dict[str, dict[str, bytes]]:
    text = hea.read_text(encoding="latin-1")
    lines = text.splitlines()
    rec = lines[0].split()
    out = {}

    def with_record(k: int, value: str, tag: str) -> None:
        if len(rec) > k:
            parts = list(rec)
            parts[k] = parts[k].split("/")[0] if k == 2 and "/" in parts[k] else parts[k]
            parts[k] = value
            out[tag] = {hea.name: ("\n".join([" ".join(parts)] + lines[1:]) + "\n").encode("latin-1")}

    for value in ("0", "-500", "1e308", "NaN", "1000000000"):
        with_record(2, value, f"hea-fs={value}")
    for value in ("0", "255"):
        with_record(1, value, f"hea-nsig={value}")
    for value in ("99999999", "0", "-10", "NaN"):
        with_record(3, value, f"hea-nsamp={value}")
    signal = [i for i, line in enumerate(lines[1:], 1) if line.strip() and not line.startswith("#")][:int(rec[1])]
    for value in ("0", "NaN", "1e308", "-0"):
        edited = list(lines)
        for i in signal:
            parts = edited[i].split()
            if len(parts) > 2:
                parts[2] = re.sub(r"^[^(/]*", value, parts[2])
                edited[i] = " ".join(parts)
        out[f"hea-gain={value}"] = {hea.name: ("\n".join(edited) + "\n").encode("latin-1")}
    if signal:
        edited = list(lines)
        parts = edited[signal[0]].split()
        parts[1] = "7"             # a format code the standard does not define
        edited[signal[0]] = " ".join(parts)
        out["hea-fmt=7"] = {hea.name: ("\n".join(edited) + "\n").encode("latin-1")}
    return out


def _edf_damage(name: str, data: bytes) -> dict[str, dict[str, bytes]]:
    ns = int(data[252:256])
    out = {}

    def field(at: int, width: int, value: str, tag: str) -> None:
        out[tag] = {name: data[:at] + value.encode("ascii").ljust(width)[:width] + data[at + width:]}

    for value in ("0", "255"):
        field(252, 4, value, f"edf-ns={value}")
    for value in ("0", "-1", "1e308", "NaN", ""):
        field(244, 8, value, f"edf-duration={value or 'empty'}")
    for value in ("99999999", "0", "-5"):
        field(236, 8, value, f"edf-records={value}")
    base = 256
    pmin, pmax, dmin, dmax, nsamp = (base + ns * w for w in (104, 112, 120, 128, 136))
    field(pmax, 8, data[pmin:pmin + 8].decode().strip(), "edf-gain0-phys")
    field(dmax, 8, data[dmin:dmin + 8].decode().strip(), "edf-gain0-dig")
    field(pmin, 8, "NaN", "edf-physmin=NaN")
    field(pmax, 8, "1e308", "edf-physmax=1e308")
    for value in ("0", "99999999", "-500"):
        field(base + ns * 216, 8, value, f"edf-nsamp={value}")
    return out


def _dicom_damage(path: Path) -> dict[str, dict[str, bytes]]:
    import io

    import pydicom

    out = {}

    def edit(tag: str, change) -> None:
        ds = pydicom.dcmread(path)
        seq = ds.WaveformSequence[0]
        try:
            change(seq)
        except Exception as err:  # noqa: BLE001 - pydicom refuses the value: no such copy
            print(f"  (dicom {tag} not written: {err})", file=sys.stderr)
            return
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=False)
        out[tag] = {path.name: buf.getvalue()}

    for value in (0, -500, 1e12):
        edit(f"dcm-fs={value}", lambda s, v=value: setattr(s, "SamplingFrequency", v))
    for value in (0, 255):
        edit(f"dcm-channels={value}", lambda s, v=value: setattr(s, "NumberOfWaveformChannels", v))
    for value in (0, 10 ** 9):
        edit(f"dcm-samples={value}", lambda s, v=value: setattr(s, "NumberOfWaveformSamples", v))

    def gain0(s):
        for ch in s.ChannelDefinitionSequence:
            ch.ChannelSensitivity = 0
    edit("dcm-gain=0", gain0)

    def gain_nan(s):
        for ch in s.ChannelDefinitionSequence:
            ch.ChannelSensitivity = "NaN"
    edit("dcm-gain=NaN", gain_nan)
    return out


def _ishne_damage(name: str, data: bytes) -> dict[str, dict[str, bytes]]:
    out = {}
    for value, tag in ((0, "fs=0"), (-500, "fs=-500"), (32767, "fs=32767")):
        out[f"ishne-{tag}"] = {name: data[:272] + struct.pack("<h", value) + data[274:]}
    for value in (0, 255, -3):
        out[f"ishne-leads={value}"] = {name: data[:156] + struct.pack("<h", value) + data[158:]}
    out["ishne-size-huge"] = {name: data[:14] + struct.pack("<i", 2 ** 31 - 1) + data[18:]}
    out["ishne-offset-past-end"] = {name: data[:22] + struct.pack("<i", len(data) + 10) + data[26:]}
    out["ishne-gain0"] = {name: data[:206] + bytes(24) + data[230:]}
    return out


def _mfer_damage(name: str, data: bytes) -> dict[str, dict[str, bytes]]:
    """MFER (ISO 22077-1) definitions of the file written by ``_write_mfer``: channel count (8), sequence
    count, sampling interval, sensitivity."""
    out = {}
    for tag, old, new in (("channels=0", b"\x05\x01\x08", b"\x05\x01\x00"),
                          ("channels=255", b"\x05\x01\x08", b"\x05\x01\xff"),
                          ("sequences=0", b"\x06\x02", None), ("interval=0", b"\x0b\x04\x01\xfd", None),
                          ("sensitivity=0", b"\x0c\x04\x00\xfa\x01\x00", b"\x0c\x04\x00\xfa\x00\x00")):
        at = data.find(old)
        if at < 0:
            continue
        if new is None:               # the 2-byte value after the tag and its length, zeroed
            old, new = data[at:at + len(old) + 2], old + bytes(2)
        out[f"mfer-{tag}"] = {name: data.replace(old, new)}
    return out


def _scp_damage(name: str, data: bytes) -> dict[str, dict[str, bytes]]:
    """SCP-ECG (EN 1064) fields: Section 3's lead count and sample ranges, Section 6's amplitude value
    multiplier (nV a count), sample interval (us), encoding flags and lead byte counts, a section pointer."""
    out = {}
    end = 6 + struct.unpack_from("<I", data, 10)[0]
    body = {}
    pointers = {}
    for pos in range(6 + 16, end - 9, 10):
        sid, length, index = struct.unpack_from("<HII", data, pos)
        if length and index:
            body[sid] = index - 1 + 16
            pointers[sid] = pos

    def put(fmt: str, at: int, value: int, tag: str) -> None:
        edited = bytearray(data)
        struct.pack_into(fmt, edited, at, value)
        out[f"scp-{tag}"] = {name: bytes(edited)}

    if 3 in body:
        for value in (0, 255, 1):
            put("<B", body[3], value, f"leads={value}")
        put("<I", body[3] + 2 + 4, 2 ** 31, "lead1-end=2^31")
        put("<I", body[3] + 2, 10 ** 6, "lead1-start-after-end")
        put("<B", body[3] + 2 + 8, 200, "lead1-id=200")
    for sid in (5, 6):
        if sid in body:
            for value in (0, 0xFFFF):
                put("<H", body[sid], value, f"s{sid}-avm={value}")
                put("<H", body[sid] + 2, value, f"s{sid}-interval={value}")
            put("<B", body[sid] + 4, 7, f"s{sid}-difference=7")
            put("<H", body[sid] + 6, 0xFFFF, f"s{sid}-lead1-bytes=65535")
            put("<H", body[sid] + 6, 0, f"s{sid}-lead1-bytes=0")
            put("<I", pointers[sid] + 2, 2 ** 31, f"s{sid}-length=2^31")
            put("<I", pointers[sid] + 6, len(data) + 100, f"s{sid}-past-end")
    if 2 in body:
        for value in (0, 0xFFFF, 19999):
            put("<H", body[2], value, f"s2-tables={value}")
    return out


def mutations(name: str, path: Path, rng: random.Random) -> tuple[str, dict[str, dict[str, bytes]]]:
    """(the opened file's name, its mutations) for one source."""
    if path.suffix.lower() == ".hea":
        signal = _companions(path)
        out = _wfdb_header_damage(path)
        if signal:
            out.update(_bytes_damage(signal[0].name, signal[0].read_bytes(), rng))
        data = path.read_bytes()
        for tag, files in _bytes_damage(path.name, data, rng, "hea-").items():
            if tag.startswith(("hea-trunc", "hea-flip")) and int(re.search(r"\d+", tag).group()) >= 5:
                continue       # 5 of each on the short header are enough
            out[tag] = files
        return path.name, out
    data = path.read_bytes()
    out = _bytes_damage(path.name, data, rng)
    if _is_xml(data):
        out.update(_xml_damage(path.name, data, rng))
    elif data[:8] == b"0       ":
        out.update(_edf_damage(path.name, data))
    elif data[128:132] == b"DICM":
        out.update(_dicom_damage(path))
    elif data[:8] == b"ISHNE1.0":
        out.update(_ishne_damage(path.name, data))
    elif path.suffix.lower() == ".scp":
        out.update(_scp_damage(path.name, data))
    elif path.suffix.lower() == ".mwf":
        out.update(_mfer_damage(path.name, data))
    return path.name, out
