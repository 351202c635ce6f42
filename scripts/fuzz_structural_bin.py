"""The binary and WFDB mutants of ``fuzz_structural.py``: DICOM, SCP-ECG, EDF/BDF, ISHNE, MFER and WFDB records
damaged in their structure (see that script's docstring)."""

from __future__ import annotations

import io
import random
import struct
import sys
import zlib
from pathlib import Path

import fuzz_mutations as fm

Mutants = dict[str, dict[str, bytes]]


def cuts(name: str, data: bytes, offsets, tag: str, limit: int = 40) -> dict[str, dict[str, bytes]]:
    """``data`` cut at each of ``offsets`` (at most ``limit`` of them, spread evenly), and one byte past each."""
    offsets = sorted({o for o in offsets if 0 < o < len(data)})
    if len(offsets) > limit:
        offsets = [offsets[round(k * (len(offsets) - 1) / (limit - 1))] for k in range(limit)]
    out = {}
    for o in offsets:
        out[f"cut-{tag}@{o}"] = {name: data[:o]}
        if o + 1 < len(data):
            out[f"cut-{tag}+1@{o + 1}"] = {name: data[:o + 1]}
    return out


# --------------------------------------------------------------------------------------------
# WFDB
# --------------------------------------------------------------------------------------------

def write_212(folder: Path) -> Path:
    """LUDB record 1 written by wfdb-python in format 212 with an odd number of samples (4999) and an odd number
    of signals (the 12 leads and a 13th channel, 'EXTRA'): the header's path."""
    import numpy as np
    import wfdb

    sig, fs, names = fm._ludb1()
    sig = np.vstack([sig[:, :4999], sig[:1, :4999] * 0.5])
    folder.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp("wfdb212", fs=fs, units=["mV"] * 13, sig_name=list(names) + ["EXTRA"], p_signal=sig.T,
                fmt=["212"] * 13, adc_gain=[200.0] * 13, baseline=[0] * 13, write_dir=str(folder))
    return folder / "wfdb212.hea"


def _signal_lines(lines: list[str]) -> list[int]:
    nsig = int(lines[0].split()[1]) if len(lines[0].split()) > 1 and lines[0].split()[1].isdigit() else 0
    return [i for i, line in enumerate(lines[1:], 1) if line.strip() and not line.startswith("#")][:nsig]


def wfdb(hea: Path, rng: random.Random) -> Mutants:
    text = hea.read_text(encoding="latin-1")
    lines = text.splitlines()
    sig = _signal_lines(lines)
    name = hea.name
    out: Mutants = {}

    def put(tag: str, new_lines: list[str], sep: str = "\n", codec: str = "latin-1") -> None:
        out[tag] = {name: (sep.join(new_lines) + sep).encode(codec)}

    def each_format(tag: str, edit) -> None:
        edited = list(lines)
        for i in sig:
            parts = edited[i].split()
            parts[1] = edit(parts[1])
            edited[i] = " ".join(parts)
        put(tag, edited)

    base = lines[sig[0]].split()[1].split("+")[0].split(":")[0].split("x")[0]
    for suffix in ("+1", "+3", "+999999999", "+-5", "x2", "x0", "x-1", ":5", ":-5", ":999999", "x2:1+7"):
        each_format(f"fmt-{base}{suffix}", lambda f, s=suffix: f.split("+")[0] + s)
    for other in ("8", "80", "160", "212", "310", "311", "24", "32", "61", "508"):
        if other != base:
            each_format(f"fmt-as-{other}", lambda f, o=other: o + f[len(base):])
    first = lines[0].split()
    put("signals-twice", [" ".join([first[0], str(2 * len(sig))] + first[2:])] + [lines[i] for i in sig] * 2)
    if len(sig) > 1:
        edited = list(lines)
        edited[sig[1]] = " ".join(lines[sig[1]].split()[:8] + lines[sig[0]].split()[8:])
        put("lead-name-twice", edited)
        put("fewer-signal-lines", [lines[0]] + [lines[i] for i in sig[:-1]])
    put("crlf", lines, "\r\n")
    put("tabs", [line.replace(" ", "\t") for line in lines])
    put("utf16-header", lines, codec="utf-16")
    put("nul-padded", lines + ["\0" * 64])
    put("blank-lines-between", [x for line in lines for x in (line, "")])
    for target in ("../" + name.replace(".hea", ".dat"), "/etc/passwd", name, ".", "/dev/zero"):
        edited = list(lines)
        for i in sig:
            parts = edited[i].split()
            parts[0] = target
            edited[i] = " ".join(parts)
        put(f"signal-file={target.replace('/', '_')}", edited)
    stem = hea.stem
    put("master-names-itself", [f"{stem}/2 {first[2]} {first[3]}", f"{stem} {first[3]}", f"{stem} {first[3]}"])
    put("master-segment-climbs", [f"{stem}/1 {first[2]} {first[3]}", f"../{stem} {first[3]}"])
    put("master-one-null-segment", [f"{stem}/1 {first[2]} {first[3]}", f"~ {first[3]}"])
    put("master-length-wrong", [f"{stem}x/1 {first[2]} {int(first[3]) * 2}", f"{stem} {first[3]}"])
    for i, tag in ((0, "record-line"), (sig[-1], "last-signal-line")):
        edited = list(lines)
        edited[i] = edited[i] + " " + " ".join(["7"] * 30)
        put(f"extra-fields-{tag}", edited)
    for value in ("0", "-1", "99999999999999999999", "1.5"):
        edited = list(lines)
        for i in sig:
            parts = edited[i].split()
            if len(parts) > 6:
                parts[4] = value               # ADC resolution (bits)
            edited[i] = " ".join(parts)
        put(f"adcres={value}", edited)
    data_files = fm._companions(hea)
    if data_files:
        dat = data_files[0]
        raw = dat.read_bytes()
        frame = _frame_bytes(lines[sig[0]].split()[1], len(sig))
        if frame:
            n = len(raw) // frame
            offs = [k * frame for k in (1, 2, 3, n // 2, n - 1)] + [len(raw) - 1, len(raw) - 2]
            for o in offs:
                out[f"dat-cut@{o}"] = {dat.name: raw[:o]}
        out["dat-empty"] = {dat.name: b""}
        out["dat-gzip"] = {dat.name: zlib.compress(raw)}
        out["dat-directory"] = {dat.name: b"\0<directory>"}
        out["dat-fifo"] = {dat.name: b"\0<fifo>"}
        out["dat-dev-zero"] = {dat.name: b"\0<dev-zero>"}
    out.update({f"hea-{k}": v for k, v in cuts(name, text.encode("latin-1"),
                                                [m for m in range(len(text)) if text[m] == "\n"], "line").items()})
    return out


def _frame_bytes(fmt: str, nsig: int) -> int:
    """Bytes of one frame of ``nsig`` signals in WFDB format ``fmt`` (0 where not a whole number)."""
    f = fmt.split("+")[0].split(":")[0].split("x")[0]
    per = {"16": 2, "61": 2, "80": 1, "8": 1, "160": 2, "24": 3, "32": 4}.get(f)
    if per:
        return per * nsig
    if f == "212" and nsig % 2 == 0:
        return 3 * nsig // 2
    return 0


# --------------------------------------------------------------------------------------------
# EDF / BDF
# --------------------------------------------------------------------------------------------

def edf(name: str, data: bytes) -> Mutants:
    ns = int(data[252:256])
    hdr = 256 * (ns + 1)
    nsamp_at = 256 + ns * 216
    per_record = [int(data[nsamp_at + 8 * k:nsamp_at + 8 * k + 8]) for k in range(ns)]
    width = 3 if data[:1] == b"\xff" else 2
    rec_bytes = width * sum(per_record)
    n_rec = int(data[236:244])
    out: Mutants = {}

    def field(at: int, w: int, value: str, tag: str, src: bytes = data) -> None:
        out[tag] = {name: src[:at] + value.encode("latin-1").ljust(w)[:w] + src[at + w:]}

    for value in (str(hdr - 256), str(hdr + 256), "0", "-1", "99999999", "x"):
        field(184, 8, value, f"edf-header-bytes={value}")
    cut = data[:hdr + rec_bytes * (n_rec // 2) + rec_bytes // 3]
    field(236, 8, "-1", "edf-records=-1-cut-mid-record", cut)
    field(236, 8, str(n_rec - 1), "edf-records-one-less")
    field(236, 8, str(n_rec + 1), "edf-records-one-more")
    field(236, 8, str(n_rec // 2), "edf-records-half-of-data")
    for value in ("-1", "  12abc", "1.5", str(ns + 1)):
        field(252, 4, value, f"edf-ns={value.strip()}")
    labels = data[256:256 + 16 * ns]
    out["edf-label-twice"] = {name: data[:256 + 16] + labels[:16] + data[256 + 32:]}
    out["edf-labels-latin1"] = {name: data[:256] + labels.replace(b"V", b"\xc9", 2) + data[256 + 16 * ns:]}
    out["edf-header-nul"] = {name: data[:168] + b"\0" * 16 + data[184:]}
    field(192, 44, "EDF+D", "edf-plus-discontinuous")
    field(192, 44, "EDF+C", "edf-plus-continuous-no-annotations")
    field(0, 8, "1", "edf-version=1")
    for value in ("0", "-5", "99999999", "1.5"):
        field(nsamp_at, 8, value, f"edf-first-nsamp={value}")
    dmin, dmax = 256 + ns * 120, 256 + ns * 128
    field(dmin, 8, data[dmax:dmax + 8].decode().strip(), "edf-first-digital-min=max")
    field(dmax, 8, "99999999", "edf-first-digital-max=99999999")
    field(dmin, 8, "1", "edf-first-digital-min>max-1")
    field(dmax, 8, "0", "edf-first-digital-min>max-2")
    field(244, 8, "0.000001", "edf-duration=1us")
    field(168, 8, "99.99.99", "edf-startdate-bad")
    boundaries = [256, 256 + 16 * ns, 256 + 96 * ns, 256 + 216 * ns, hdr - 1, hdr]
    boundaries += [hdr + k * rec_bytes for k in range(1, n_rec + 1, max(1, n_rec // 8))]
    boundaries += [hdr + k * rec_bytes + width * per_record[0] for k in (0, n_rec // 2)]
    out.update(cuts(name, data, boundaries, "edf"))
    return out


# --------------------------------------------------------------------------------------------
# DICOM
# --------------------------------------------------------------------------------------------

def dicom(path: Path, data: bytes) -> Mutants:
    import copy

    import pydicom

    out: Mutants = {}

    def edit(tag: str, change) -> None:
        ds = pydicom.dcmread(path)
        try:
            change(ds)
            buf = io.BytesIO()
            ds.save_as(buf, enforce_file_format=False)
        except Exception as err:  # noqa: BLE001 - pydicom will not write such a value: no such mutant
            print(f"  (dicom {tag} not written: {err})", file=sys.stderr)
            return
        out[tag] = {path.name: buf.getvalue()}

    def each(attr: str, value):
        def change(ds):
            for wf in ds.WaveformSequence:
                setattr(wf, attr, value)
        return change

    edit("dcm-waveforms-doubled", lambda ds: ds.WaveformSequence.append(copy.deepcopy(ds.WaveformSequence[0])))
    edit("dcm-waveforms-first-tripled", lambda ds: [ds.WaveformSequence.insert(0, copy.deepcopy(
        ds.WaveformSequence[0])) for _ in range(2)])
    edit("dcm-waveforms-empty", lambda ds: setattr(ds, "WaveformSequence", pydicom.Sequence([])))
    edit("dcm-waveforms-reversed", lambda ds: setattr(ds, "WaveformSequence",
                                                      pydicom.Sequence(list(ds.WaveformSequence)[::-1])))
    for bits in (8, 32, 64, 12):
        edit(f"dcm-bits={bits}", each("WaveformBitsAllocated", bits))
    for how in ("UB", "MB", "AB", "SB", "FL", "XX"):
        edit(f"dcm-interpretation={how}", each("WaveformSampleInterpretation", how))
    edit("dcm-interpretation-removed", lambda ds: [delattr(wf, "WaveformSampleInterpretation")
                                                    for wf in ds.WaveformSequence])
    edit("dcm-data-odd", lambda ds: setattr(ds.WaveformSequence[0], "WaveformData",
                                            ds.WaveformSequence[0].WaveformData[:-1]))
    edit("dcm-data-empty", each("WaveformData", b""))
    edit("dcm-data-doubled", lambda ds: setattr(ds.WaveformSequence[0], "WaveformData",
                                                ds.WaveformSequence[0].WaveformData * 2))
    edit("dcm-data-removed", lambda ds: [delattr(wf, "WaveformData") for wf in ds.WaveformSequence])
    edit("dcm-defs-one-less", lambda ds: ds.WaveformSequence[0].ChannelDefinitionSequence.pop())
    edit("dcm-defs-one-more", lambda ds: ds.WaveformSequence[0].ChannelDefinitionSequence.append(
        copy.deepcopy(ds.WaveformSequence[0].ChannelDefinitionSequence[0])))
    edit("dcm-defs-empty", lambda ds: setattr(ds.WaveformSequence[0], "ChannelDefinitionSequence",
                                              pydicom.Sequence([])))
    edit("dcm-channels=13", lambda ds: setattr(ds.WaveformSequence[0], "NumberOfWaveformChannels", 13))
    edit("dcm-samples=1", lambda ds: setattr(ds.WaveformSequence[0], "NumberOfWaveformSamples", 1))

    def channel(attr, value):
        def change(ds):
            for ch in ds.WaveformSequence[0].ChannelDefinitionSequence:
                setattr(ch, attr, value)
        return change

    for attr, value in (("ChannelSensitivityCorrectionFactor", 0), ("ChannelSensitivityCorrectionFactor", 1e30),
                        ("ChannelBaseline", 1e30), ("ChannelBaseline", "NaN"), ("ChannelSampleSkew", 1e9),
                        ("WaveformBitsStored", 64), ("ChannelSensitivity", -1)):
        edit(f"dcm-ch-{attr}={value}", channel(attr, value))
    edit("dcm-ch-units-removed", lambda ds: [delattr(ch, "ChannelSensitivityUnitsSequence")
                                              for ch in ds.WaveformSequence[0].ChannelDefinitionSequence])
    edit("dcm-ch-source-removed", lambda ds: [delattr(ch, "ChannelSourceSequence")
                                               for ch in ds.WaveformSequence[0].ChannelDefinitionSequence])
    edit("dcm-ch-all-lead-I", lambda ds: [setattr(ch, "ChannelSourceSequence", copy.deepcopy(
        ds.WaveformSequence[0].ChannelDefinitionSequence[0].ChannelSourceSequence))
        for ch in ds.WaveformSequence[0].ChannelDefinitionSequence])

    def vr(attr, new_vr, value):
        def change(ds):
            for wf in ds.WaveformSequence:
                el = wf[attr]
                wf.add_new(el.tag, new_vr, value)
        return change

    edit("dcm-vr-fs-as-FD", vr("SamplingFrequency", "FD", 500.0))
    edit("dcm-vr-fs-as-LO-text", vr("SamplingFrequency", "LO", "five hundred"))
    edit("dcm-vr-samples-as-SS-neg", vr("NumberOfWaveformSamples", "SS", -1))
    edit("dcm-vr-channels-as-UL-huge", vr("NumberOfWaveformChannels", "UL", 2 ** 31))
    edit("dcm-big-endian-declared", lambda ds: setattr(ds.file_meta, "TransferSyntaxUID", "1.2.840.10008.1.2.2"))
    edit("dcm-implicit-declared", lambda ds: setattr(ds.file_meta, "TransferSyntaxUID", "1.2.840.10008.1.2"))
    edit("dcm-deflated-declared", lambda ds: setattr(ds.file_meta, "TransferSyntaxUID", "1.2.840.10008.1.2.1.99"))
    edit("dcm-sop-class-ct", lambda ds: setattr(ds, "SOPClassUID", "1.2.840.10008.5.1.4.1.1.2"))
    # odd element lengths: a DS value's explicit length one byte longer than its text (raw bytes edit)
    at = data.find(b"DS", 132)
    if at > 4:
        n = struct.unpack_from("<H", data, at + 2)[0]
        edited = bytearray(data)
        struct.pack_into("<H", edited, at + 2, n + 1)
        out["dcm-odd-length-first-DS"] = {path.name: bytes(edited)}
    items = [k for k in range(132, len(data) - 4) if data[k:k + 4] in (b"\xfe\xff\x00\xe0", b"\xfe\xff\xdd\xe0")]
    wave = data.find(b"\x00\x54\x10\x10")
    out.update(cuts(path.name, data, [132, 144] + items + ([wave, wave + 8, wave + 12] if wave > 0 else []), "dcm"))
    return out


# --------------------------------------------------------------------------------------------
# SCP-ECG, ISHNE, MFER
# --------------------------------------------------------------------------------------------

def _crc_ccitt(data: bytes) -> int:
    """EN 1064's CRC-CCITT (polynomial 0x1021, start 0xFFFF)."""
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def scp(name: str, data: bytes) -> Mutants:
    out: Mutants = {}
    end = 6 + struct.unpack_from("<I", data, 10)[0]
    pointers = {}
    for pos in range(6 + 16, end - 9, 10):
        sid, length, index = struct.unpack_from("<HII", data, pos)
        if length and index:
            pointers[sid] = (pos, length, index - 1)

    def edited(edits, fix_file_crc: bool = True) -> bytes:
        d = bytearray(data)
        for fmt, at, value in edits:
            struct.pack_into(fmt, d, at, value)
        if fix_file_crc:
            struct.pack_into("<H", d, 0, _crc_ccitt(bytes(d[2:])))
        return bytes(d)

    for sid, (pos, length, start) in pointers.items():
        crc = struct.unpack_from("<H", data, start)[0]
        out[f"scp-s{sid}-crc-bad"] = {name: edited([("<H", start, crc ^ 0x5A5A)])}
        out[f"scp-s{sid}-id-disagrees"] = {name: edited([("<H", start + 2, sid + 100)])}
        for value in (length + 1, 4, 16, 0):
            out[f"scp-s{sid}-length={value}"] = {name: edited([("<I", pos + 2, value), ("<I", start + 4, value)])}
        out[f"scp-s{sid}-pointer-dup"] = {name: edited([("<H", pos + 10, sid)])} if pos + 10 < end - 9 else {}
    for a, b in ((6, 3), (3, 6), (2, 6), (1, 0), (6, 5)):
        if a in pointers and b in pointers:
            pos, _, _ = pointers[a]
            out[f"scp-s{a}-points-at-s{b}"] = {name: edited([("<I", pos + 6, pointers[b][2] + 1)])}
            out[f"scp-s{a}-overlaps-s{b}"] = {name: edited([("<I", pos + 6, pointers[b][2] + 1 + 8)])}
    out["scp-file-crc-bad"] = {name: edited([("<H", 0, struct.unpack_from("<H", data, 0)[0] ^ 1)], False)}
    out["scp-file-length-short"] = {name: edited([("<I", 2, len(data) // 2)])}
    out["scp-file-length-long"] = {name: edited([("<I", 2, len(data) * 2)])}
    bounds = [start for _, _, start in pointers.values()] + [start + 16 for _, _, start in pointers.values()]
    bounds += [start + length for _, length, start in pointers.values()]
    out.update(cuts(name, data, bounds + [6, 22], "scp"))
    return {k: v for k, v in out.items() if v}


def ishne(name: str, data: bytes) -> Mutants:
    var = struct.unpack_from("<i", data, 10)[0]
    ecg_at = struct.unpack_from("<i", data, 22)[0]
    out: Mutants = {}
    for value in (-1, 2 ** 31 - 1, 0):
        out[f"ishne-var-length={value}"] = {name: data[:10] + struct.pack("<i", value) + data[14:]}
    out["ishne-crc-bad"] = {name: data[:8] + bytes([data[8] ^ 0xFF]) + data[9:]}
    out["ishne-offset-into-header"] = {name: data[:22] + struct.pack("<i", 100) + data[26:]}
    out["ishne-offset-odd"] = {name: data[:22] + struct.pack("<i", ecg_at + 1) + data[26:]}
    out.update(cuts(name, data, [8, 10, 522, 522 + var, ecg_at, ecg_at + 1, ecg_at + 24, len(data) - 1], "ishne"))
    return out


def mfer(name: str, data: bytes) -> Mutants:
    """MFER: the tag-length-value stream cut at each tag's start (its first 40), a definition's length in the long
    form (0x84 and four bytes) claiming 2^31 bytes, the data tag's (0x1E) length zero."""
    out: Mutants = {}
    starts, k = [], 0
    while k + 2 <= len(data) and len(starts) < 400:
        starts.append(k)
        tag, length = data[k], data[k + 1]
        if tag == 0x3F:                       # channel attribute: tag, channel number, length
            length = data[k + 2] if k + 2 < len(data) else 0
            k += 3 + length
            continue
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(data[k + 2:k + 2 + n], "big")
            k += 2 + n + length
        else:
            k += 2 + length
    out.update(cuts(name, data, starts, "mfer"))
    for at in starts[:30]:
        if data[at] == 0x1E:
            skip = 2 + (data[at + 1] & 0x7F if data[at + 1] & 0x80 else 0)
            out[f"mfer-data-length-huge@{at}"] = {name: data[:at + 1] + b"\x84\x7f\xff\xff\xff" + data[at + skip:]}
    return out
