"""Philips PageWriter / TraceMaster XML (``<restingecgdata>``, document types SierraECG 1.03 and
PhilipsECG 1.04 to 1.04.02; Philips' own schema, no public standard), read by ecgdatakit's parser.

The parser takes a rhythm's sampling rate, resolution and zero offset from ``<parsedwaveforms>``'s
attributes before ``<signalcharacteristics>``, slices uncompressed data into leads by
``durationperchannel``, and rebuilds the XLI limb leads only when ``leadlabels`` begins with
I II III aVR aVL aVF. This module adapts it so that a file whose fields disagree is refused naming
them, instead of read with wrong values:

- uncompressed data whose length is no whole number of leads of ``durationperchannel`` (the leads
  would be cut at the wrong samples, each one a piece of two);
- ``numberofleads`` above the number of ``leadlabels`` (the names would be given to the first
  channels, whichever leads they hold);
- XLI data with III, aVR, aVL or aVF in ``leadlabels`` away from the positions where the cart
  stores them as residuals of I and II (they would read as the residuals, near zero);
- no ``leadlabels`` and a channel count in ``<signalcharacteristics>`` that is missing, 0 or less, or
  above ``limits.MAX_SIGNALS`` (the parser names one lead a channel: 99,999,999 took minutes).

Counts of 32768 and more with ``signaloffset`` 0 (which signed 16-bit data never holds) misstate
``signalsigned`` / ``signaloffset``: unsigned 16-bit counts that read as signed like an ECG (no step
of 32768 counts, the range wrapped around 0/65535; no lead 16384 counts from 0) are read so with a
reader note (signed data stated unsigned read up to 327 mV). Counts around 32768 with offset 0 (an
unsigned signal whose zero is misstated, a common export mistake; stated signed, they wrap around
-32768/32767) are read with 32768 as 0 V, with a reader note, when every lead then reads as an ECG
(its median within ``CENTRE_NEAR_MV`` of 0 V, its spread an ECG's); signed counts stated with offset
32768 (no signed 16-bit count; 164 mV off) are read with 0 as 0 V, or as unsigned, whichever one
reading every lead fits, with a reader note. Anything else is refused naming the fields. XLI's
deltas decode to signed counts whatever the flag says.

XLI leads that hold more samples than ``durationperchannel`` at the stated rate are cut there, as
the parser does, with a reader note (the rate or the duration may be wrong).

A lead's inoperative spans (``<leadqualitystates><inops>``: the cart found the lead off) are missing
samples, with a reader note; a file in which they leave no lead ``MIN_SCORABLE_S`` of ECG is refused.

The representative beats (``<repbeats>``, the device's median beats) end where a lead's fill of the
16-bit range's ends begins (``_check_beat_counts``), are read as unsigned around 32768 when that is
what every lead shows, and are left out, with a reader note, when they read like no ECG or their
scale disagrees with the rhythm's (``check_beat_scale``).

A sampling rate, resolution or signal offset on ``<parsedwaveforms>`` (the stored waveform's,
required in 1.04) that differs from ``<signalcharacteristics>`` (the digitised signal's) is read as
the stored waveform's, as the schema describes them, with a reader note naming both: a waveform
resampled or rescaled after acquisition differs from its acquisition, and a file whose fields are
wrong shows it. An age in months, weeks, days, hours or minutes (the schema's other units beside
years and a birth date) is read, as a fraction of a year.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from mirage_model.formats.assemble import cut_beat_fill, misread_16bit, wraps_16bit
from mirage_model.limits import MAX_SIGNALS, MAX_TYPICAL_MV, MIN_SCORABLE_S
from mirage_model.records.age import YEAR_DAYS
from mirage_model.words import counted

# A lead read with a zero other than the one stated (``_check_sign``) must have its median within this of
# 0 V (mV): twice the farthest of PTB-XL's (folds 1-9, every 5th record: 47,052 leads, 0.95 mV), in 5 mV
# steps. A wrong zero puts it 164 mV off at 5 uV per count; noise spread over the 16-bit range fails the spread.
CENTRE_NEAR_MV = 5.0
# The device's representative beats agree in scale with the rhythm when the median over the leads of
# their peak-to-peak over the rhythm's lies within these. Chosen before the figure: the low end is the
# 0.1st percentile of median beats made from PTB-XL's rhythms (folds 1-9, every 10th record), in 0.05
# steps; the high end 1.5 (a median beat lies within the rhythm's range: 1, with room for lighter filtering).
# Measured: 1,961 records, q0.1 0.253, q1 0.412, median 0.823, max 0.942; the three real files with beats
# (Philips 1.04, GE MUSE, DICOM): 0.90, 0.89, 0.91.
BEAT_TO_RHYTHM = (0.25, 1.5)
# (attribute of <parsedwaveforms>, elements of <signalcharacteristics>, what it is): a difference is noted
_TWICE_STATED = (("samplespersecond", ("samplingrate",), "sampling rate (Hz)"),
                 ("resolution", ("resolution", "signalresolution"), "resolution (uV per count)"),
                 ("signaloffset", ("signaloffset",), "signal offset (counts)"))
_RESIDUAL_LEADS = ("III", "aVR", "aVL", "aVF")
# <age>'s units other than years, and how many of each make a year
_AGE_UNITS = (("months", 12.0), ("weeks", YEAR_DAYS / 7), ("days", YEAR_DAYS), ("hours", YEAR_DAYS * 24),
              ("minutes", YEAR_DAYS * 1440))


def adapt_parser(parser):
    """ecgdatakit's Philips parser, made to refuse (naming the fields) a rhythm whose uncompressed
    data does not divide into its leads, that has more leads than lead labels, or whose XLI limb
    leads are not where the residuals are kept; to note XLI leads cut short by their duration and
    a stored waveform's rate, resolution or offset that differs from the acquisition's; and to read
    an age given in months, weeks, days, hours or minutes."""
    from ecgdatakit.exceptions import CorruptedFileError
    from ecgdatakit.parsing.parsers import sierra_xml as sx

    class CheckedLeads(type(parser)):
        _inops: dict = {}

        def _read_recording(self, acquisition, parsed, doc):
            # the first step of parse() that sees the whole document: each lead's <inops>, which
            # _read_leads (given the waveforms only) acts on
            self._inops = _lead_inops(sx._get(doc, "restingecgdata"), sx)
            return super()._read_recording(acquisition, parsed, doc)

        def _read_representative_beats(self, repbeats, rhythm_rate, rhythm_resolution, raw):
            beats = super()._read_representative_beats(repbeats, rhythm_rate, rhythm_resolution, raw)
            return _check_beat_counts(beats)

        def _read_leads(self, parsed, signal_node):
            for attr, elements, what in _TWICE_STATED:
                stated = sx._to_float(sx._attr(parsed, attr))
                for element in elements:
                    other = sx._to_float(sx._text(sx._get(signal_node, element)))
                    if stated is not None and other is not None and not math.isclose(stated, other):
                        warnings.warn(f"Philips: the stored waveform's {what} is {stated:g} (<parsedwaveforms "
                                      f"{attr}>), the acquisition's {other:g} (<signalcharacteristics>"
                                      f"<{element}>); the stored waveform's is used")
            named = sx._attr(parsed, "leadlabels").split()
            count = sx._to_int(sx._attr(parsed, "numberofleads"))
            if named and count is not None and count > len(named):
                # the parser reads as many leads as are named, from the start of the data: with fewer
                # names than leads, which lead each name belongs to is not known
                raise CorruptedFileError(
                    f"Philips: <parsedwaveforms numberofleads> is {count} but its leadlabels name "
                    f"{len(named)} ({' '.join(named)}): which lead each channel holds is not known")
            if not named:
                _check_channel_count(signal_node, sx, CorruptedFileError)
            labels = self._rhythm_labels(parsed, signal_node)
            if sx._compression(parsed):
                if labels[:6] != sx._LIMB_LEADS and any(lead in _RESIDUAL_LEADS for lead in labels):
                    raise CorruptedFileError(
                        f"Philips: XLI-compressed leads in the order {' '.join(labels)} (leadlabels): the "
                        "cart stores III, aVR, aVL and aVF as residuals of I and II in the 3rd to 6th "
                        "place after I and II, so leads in another order cannot be rebuilt")
            else:
                _check_whole_leads(parsed, signal_node, labels, sx, CorruptedFileError)
            leads = super()._read_leads(parsed, signal_node)
            _check_sign(parsed, signal_node, leads, sx, CorruptedFileError)
            if leads and sx._compression(parsed).upper() == "XLI":
                _note_unread_xli(parsed, leads, sx)
            _apply_inops(leads, self._inops, CorruptedFileError)
            return leads

        def _read_patient(self, root, record):
            # <age> holds one of dateofbirth, years (1 to 199), months, weeks, days, hours or minutes;
            # the parser reads the first two only, so an infant's age was left out
            info = super()._read_patient(root, record)
            age = sx._get(root, "patient", "generalpatientdata", "age")
            if sx._to_int(sx._value(sx._get(age, "years"))) is None:
                # no <years>: the parser's whole years from <dateofbirth> would pass for a stated age
                info.age = None
                for unit, per_year in _AGE_UNITS:
                    value = sx._to_float(sx._value(sx._get(age, unit)))
                    if value is not None and value >= 0:
                        info.age = value / per_year          # a fraction of a year (7 months: 0.583)
                        break
            return info

    return CheckedLeads()


def _lead_inops(root, sx) -> dict[str, list[tuple[float, float]]]:
    """Each lead's inoperative spans (``<leadmeasurement leadname=...><leadqualitystates><inops>
    <inop starttime duration>``, in ms): where the cart found the lead off. {} when none."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for node in sx._as_list(sx._get(root, "measurements", "leadmeasurements", "leadmeasurement")):
        lead = sx._attr(node, "leadname")
        for inop in sx._as_list(sx._get(node, "leadqualitystates", "inops", "inop")):
            start, length = sx._to_float(sx._attr(inop, "starttime")), sx._to_float(sx._attr(inop, "duration"))
            if lead and start is not None and length is not None and start >= 0 and length > 0:
                spans.setdefault(lead, []).append((start, length))
    return spans


def _apply_inops(leads: list, inops: dict, error) -> None:
    """Make a lead's samples within its inoperative spans (``_lead_inops``, ms from the start of the
    stored waveform) missing (NaN, as DICOM's DISCONNECTED channels), with a reader note: the cart
    says the lead was off there, so they are no ECG (a HeartStart MRx's leads-off strip holds mains
    hum and pacing-like spikes that read as a paced ECG). When no lead is left with MIN_SCORABLE_S
    outside its spans, the file holds no ECG: refused."""
    said = []
    for lead in leads:
        spans = inops.get(lead.label)
        if not spans:
            continue
        samples = np.asarray(lead.samples, dtype=np.float64).copy()
        for start, length in spans:
            samples[int(round(start * lead.sampling_rate / 1000)):
                    int(math.ceil((start + length) * lead.sampling_rate / 1000))] = np.nan
        lead.samples = samples
        said.append(f"{lead.label} " + ", ".join(f"{s / 1000:g}-{(s + d) / 1000:g} s" for s, d in spans))
    if not said:
        return
    if all(np.count_nonzero(~np.isnan(lead.samples)) < MIN_SCORABLE_S * lead.sampling_rate for lead in leads):
        # said as the cart found it ("leaving no lead 2 s of ECG" had read like a fault of the file or the reader)
        which = "every lead" if len(said) == len(leads) else counted(len(said), "lead")
        raise error(f"Philips: the cart marks {which} off (inoperative: <inops> {'; '.join(said[:3])}"
                    f"{'; ...' if len(said) > 3 else ''}), so no lead has the {MIN_SCORABLE_S:g} s of signal an ECG "
                    "is read from: no ECG to read")
    warnings.warn(f"Philips: the cart marks {counted(len(said), 'lead')} inoperative (leads off, <inops>): "
                  f"{'; '.join(said)}; those samples are left out (missing)")


def _check_beat_counts(beats: list) -> list:
    """The representative beats' counts (the parser decodes them as signed 16-bit, 0 as 0 V, whatever
    the rhythm's signalsigned and signaloffset say), each lead's trailing fill of the 16-bit range's
    ends cut off (a PageWriter Touch fills its 2400 ms beats after the beat's 1200 ms with 32767: read
    as a step of 82 mV at 2.5 uV). Beats that then wrap, or sit 16384 counts from 0 V
    (``assemble.misread_16bit``), are read as unsigned with 32768 as 0 V when every lead fits that
    (``_ecg_like``), else left out; either with a reader note. The rhythm is not affected."""
    cut_beat_fill(beats)
    counts = [(beat.label, np.asarray(beat.samples, dtype=np.float64)) for beat in beats]
    odd = _odd_lead(counts)
    if odd is None:
        return beats
    lead, why = odd
    resolution = beats[0].resolution if beats else None
    patterns = [(label, np.mod(c, 65536)) for label, c in counts]
    if _fits(patterns, 32768, resolution):
        _reread(beats, True, 32768, 0)
        warnings.warn(f"Philips: read as signed 16-bit samples, the representative beats' (<repbeats>) lead {lead} "
                      f"{why}, as unsigned samples around 32768 do; they were read as unsigned with 32768 as 0 V"
                      f"{_spread(patterns, 32768, resolution)}")
        return beats
    warnings.warn(f"Philips: the representative beats (<repbeats>) read like no ECG (lead {lead} {why}), as signed "
                  "16-bit samples or as unsigned ones around 32768: the device's median beats are left out (the "
                  "rhythm is read)")
    return []


def check_beat_scale(beats: dict, rhythm: dict) -> str | None:
    """Why the device's representative beats (lead -> (K,) mV) disagree in scale with the rhythm
    (lead -> (T,) mV), or None when they agree: the median over the leads of the beat's
    peak-to-peak over the rhythm's lies outside ``BEAT_TO_RHYTHM``. A median or mean beat lies
    within its beats, so within the rhythm's range (ratio at most 1); a resolution that is wrong
    for one of them (``<repbeats resolution>`` absent: the rhythm's is used) moves it by the
    resolutions' ratio, a unit by 1000."""
    ratios = []
    for lead, beat in beats.items():
        x = rhythm.get(lead)
        if x is None or not np.isfinite(beat).any() or not np.isfinite(x).any():
            continue
        span = float(np.nanmax(x) - np.nanmin(x))
        if span > 0.05:            # mV: a flat lead says nothing of the scale
            ratios.append(float(np.nanmax(beat) - np.nanmin(beat)) / span)
    if not ratios:
        return None
    ratio = float(np.median(ratios))
    low, high = BEAT_TO_RHYTHM
    if low <= ratio <= high:
        return None
    return (f"Philips: the representative beats (<repbeats>) span {ratio:.2g} times the rhythm's range "
            f"(the median over {counted(len(ratios), 'lead')}; a median beat spans {low:g} to {high:g} times it): "
            "their resolution disagrees with the rhythm's, so the device's median beats are left out "
            "(the rhythm is read)")


def _check_channel_count(signal_node, sx, error) -> None:
    """Leads not named (no leadlabels) are named by the parser one a channel of <signalcharacteristics>
    (numberchannelsallocated, else numberchannelsvalid): a count of 0 or less, or none, was refused with
    the element's name alone, and one of millions built that many names first (minutes, gigabytes)."""
    for element in ("numberchannelsallocated", "numberchannelsvalid"):
        stated = sx._text(sx._get(signal_node, element))
        count = sx._to_int(stated)
        if count is not None:
            break
    if count is None:
        raise error("Philips: neither <parsedwaveforms leadlabels> nor <signalcharacteristics>"
                    "<numberchannelsallocated> says how many leads the waveform holds")
    if not 0 < count <= MAX_SIGNALS:
        raise error(f"Philips: <signalcharacteristics><{element}> states {stated.strip()} leads (a recording "
                    f"holds 1 to {MAX_SIGNALS}) and no leadlabels name them: the leads cannot be told apart")


def _check_whole_leads(parsed, signal_node, labels, sx, error) -> None:
    """Uncompressed data must hold a whole number of leads of ``durationperchannel``, from the
    leads named up to the channels the file declares (numberofleads, leadlabels,
    numberchannelsallocated: a cart may store more channels than it names)."""
    rate = (sx._to_int(sx._attr(parsed, "samplespersecond"))
            or sx._to_int(sx._text(sx._get(signal_node, "samplingrate"))))
    duration = sx._to_float(sx._attr(parsed, "durationperchannel"))
    if not rate or rate <= 0 or duration is None or duration <= 0:
        return                                    # the parser refuses these itself, naming them
    n = int(round(duration * rate / 1000))
    if n <= 0:
        return                                    # no samples a lead: the parser's reading says so
    text = sx._text(parsed)
    encoding = sx._attr(parsed, "dataencoding")
    if encoding == "Base64":
        held = len(sx._decode_base64(text, "parsedwaveforms")) / 2
    elif encoding == "Plain":
        held = len(text.split())
    else:
        return
    declared = [len(labels), len(sx._attr(parsed, "leadlabels").split())]
    for value in (sx._attr(parsed, "numberofleads"), sx._text(sx._get(signal_node, "numberchannelsallocated"))):
        declared.append(sx._to_int(value) or 0)
    channels = held / n
    if channels != int(channels) or not len(labels) <= channels <= max(declared):
        leads = f"{len(labels)}" + (f" to {max(declared)}" if max(declared) > len(labels) else "")
        raise error(f"Philips: <parsedwaveforms> holds {held:,.0f} samples, which is not {leads} leads of "
                    f"{n:,} samples (durationperchannel {duration:g} ms at {rate} Hz); the leads cannot "
                    "be told apart")


def _note_unread_xli(parsed, leads, sx) -> None:
    """A reader note when the XLI leads hold more samples than ``durationperchannel`` at the stated
    rate: the parser cuts each lead there, which is right for a duration that leaves out the end
    and wrong for a rate or duration that is (a 500 Hz ECG stated as 250 Hz reads its first half,
    stretched to the whole duration)."""
    chunks = sx.xli_decode(sx._decode_base64(sx._text(parsed), "parsedwaveforms"))[: len(leads)]
    n, rate = len(leads[0].samples), leads[0].sampling_rate
    longest = max((len(chunk) for chunk in chunks), default=0)
    if longest - n > max(2, n // 100):
        warnings.warn(f"Philips: the XLI leads hold {longest:,} samples, durationperchannel "
                      f"{sx._attr(parsed, 'durationperchannel')} ms at {rate} Hz only {n:,}: the last "
                      f"{(longest - n) / rate:.2f} s were not read (or the file's rate or duration is wrong)")


def _named(labels: list[str]) -> str:
    """Lead labels for a message: all of up to three, else the first three and how many more."""
    return ", ".join(labels) if len(labels) <= 3 else f"{', '.join(labels[:3])} and {len(labels) - 3} more"


def _odd_lead(counts: list) -> tuple[str, str] | None:
    """(lead, why) for the first lead whose counts no ECG holds (``assemble.misread_16bit``: a step of
    32768 counts or more, or a median 16384 or more from 0); None when every lead reads like an ECG."""
    for label, c in counts:
        odd = misread_16bit(c)
        if odd is not None:
            return label, "wraps around the 16-bit range" if math.isnan(odd) else f"sits at {odd:.0f} counts"
    return None


def _check_sign(parsed, signal_node, leads, sx, error) -> None:
    """Leads whose counts show them read with the wrong sign or zero, checked against what the cart
    states (signalsigned, signaloffset) and read as the counts show when only one reading fits:

    - offset 0, counts of 32768 or more (which signed 16-bit data never holds; 164 mV at 5 uV):
      unsigned 16-bit counts that, read as signed, neither step by 32768 counts or more (the range
      wrapped around 0/65535) nor sit 16384 counts from 0 are read so, with a reader note (a cart
      that wrote signed data as unsigned read up to 327 mV, silently);
    - offset 0, counts around 32768 (an unsigned signal whose zero is misstated, a common export
      mistake; decoded as signed, they wrap around -32768/32767 at every crossing of 0 V): read with
      32768 as 0 V, with a reader note, when every lead reads as an ECG so (``_ecg_like``);
    - signed with offset 32768 (no signed 16-bit count is 32768: up to 164 mV off): read with
      offset 0, or as unsigned counts with 32768 as 0 V, whichever one reading every lead fits,
      with a reader note.

    Anything else is refused naming the fields. XLI's deltas decode to signed counts whatever the
    flag says."""
    zero = sx._to_int(sx._attr(parsed, "signaloffset") or sx._text(sx._get(signal_node, "signaloffset"))) or 0
    signed_text = sx._attr(parsed, "signalsigned") or sx._text(sx._get(signal_node, "signalsigned")) or "(absent)"
    signed = sx._to_bool(signed_text) is not False
    counts = [(lead.label, np.asarray(lead.samples, dtype=np.float64)) for lead in leads]
    counts = [(label, c[np.isfinite(c)]) for label, c in counts]
    if not counts:
        return                                     # no leads: the reading says so
    resolution = leads[0].resolution                 # uV per count; None: the file gives none
    declared = f"signalsigned {signed_text}, signaloffset {zero}"
    label, c = max(counts, key=lambda item: float(np.abs(item[1] - zero).max()) if item[1].size else 0.0)
    peak = float(np.abs(c - zero).max()) if c.size else 0.0
    read = (f"lead {label} read up to {peak * resolution / 1000:.0f} mV" if resolution
            else f"lead {label} holds counts up to {peak:.0f} from its zero")
    in_16bit = all(not c.size or (c.min() >= -32768 and c.max() <= 65535) for _, c in counts)
    # the 16-bit patterns: the counts as unsigned (-1 and 65535 alike)
    patterns = [(label, np.mod(c, 65536)) for label, c in counts] if in_16bit else None
    if zero == 32768 and signed:
        _check_signed_offset(leads, counts, patterns, resolution, declared, read, error)
        return
    if zero != 0:
        return
    high = [label for label, c in counts if c.size and c.max() >= 32768]
    if not high:
        # signed data may step from rail to rail after a shock: a wrap alone is not judged, but signed
        # counts that read as no ECG where their unsigned patterns read as one around 32768 are that ECG
        odd = _odd_lead(counts)
        if odd is not None and patterns is not None and _fits(patterns, 32768, resolution):
            lead, why = odd
            _reread(leads, True, 32768, 0)
            warnings.warn(f"Philips: the waveform's samples are stated as {declared}, but read so lead {lead} {why} "
                          f"({read}), as unsigned 16-bit samples around 32768 do: they were read as unsigned with "
                          f"32768 as 0 V{_spread(patterns, 32768, resolution)}")
        return
    wrapped = [label for label, c in counts if wraps_16bit(c)]
    if all(not c.size or (c.min() >= 0 and c.max() <= 65535) for _, c in counts):
        signed_counts = [(label, np.where(c >= 32768, c - 65536, c)) for label, c in counts]
        odd = _odd_lead(signed_counts)
        if odd is None:
            for lead in leads:
                raw = np.asarray(lead.samples, dtype=np.float64)
                lead.samples = np.where(raw >= 32768, raw - 65536, raw)
            why = (f"leads {_named(wrapped)} wrap around 0/65535" if wrapped
                   else f"leads {_named(high)} hold counts of 32768 and more")
            warnings.warn(f"Philips: the waveform's samples are stated as {declared}, but {why} as signed 16-bit "
                          f"samples do when read as unsigned ({read}); they were read as signed")
            return
        if _fits(counts, 32768, resolution):
            _reread(leads, False, 32768, 0)
            warnings.warn(f"Philips: the waveform's samples sit around 32768, the middle of the unsigned 16-bit "
                          f"range, but {declared} puts 0 V at count 0 ({read}): they were read with 32768 as "
                          f"0 V (signaloffset misstated){_spread(counts, 32768, resolution)}")
            return
        if _odd_lead([(label, c - 32768) for label, c in counts]) is None:
            raise error(f"Philips: the waveform's samples sit around 32768, the middle of the unsigned 16-bit "
                        f"range, but {declared} puts 0 V at count 0 ({read}), and read with 32768 as 0 V, "
                        f"{_unlike_ecg(counts, 32768, resolution)}: the count that stands for 0 V "
                        "(signaloffset) is misstated, and which count it is cannot be told")
        lead, why = odd
        raise error(f"Philips: the waveform's samples read like no ECG with {declared} ({read}), nor as signed "
                    f"16-bit samples (lead {lead} {why}): signalsigned and signaloffset misstate them")
    raise error(f"Philips: lead {high[0]} holds counts of 32768 and more ({read}) with signal offset 0, as no ECG "
                f"does: the waveform's samples are not what {declared} states")


def _check_signed_offset(leads, counts, patterns, resolution, declared, read, error) -> None:
    """Signed samples stated with 32768 as 0 V (``_check_sign``): as stated when every lead reads as
    an ECG so (plain-text counts of 32768 and more, which no signed 16-bit sample is, are what they
    say); else as signed counts with 0 as 0 V (signaloffset misstated), or as unsigned counts with
    32768 as 0 V (signalsigned misstated), whichever one every lead fits; else refused."""
    if _odd_lead([(label, c - 32768) for label, c in counts]) is None:
        return
    offset_0 = _fits(counts, 0, resolution)
    unsigned = patterns is not None and _fits(patterns, 32768, resolution)
    if offset_0 and not unsigned:
        _reread(leads, False, 0, 32768)
        warnings.warn(f"Philips: the waveform's samples are stated as {declared}, but they sit around 0 as "
                      f"signed 16-bit samples with 0 V at count 0 do (read with 32768 as 0 V, {read}); they were "
                      f"read with 0 as 0 V (signaloffset misstated){_spread(counts, 0, resolution)}")
        return
    if unsigned and not offset_0:
        _reread(leads, True, 32768, 32768)
        warnings.warn(f"Philips: the waveform's samples are stated as {declared}, but read as signed they wrap "
                      f"around -32768/32767 ({read}) as unsigned 16-bit samples around 32768 do; they were read "
                      f"as unsigned (signalsigned misstated){_spread(patterns, 32768, resolution)}")
        return
    as_unsigned = ("; they are no 16-bit counts" if patterns is None
                   else f", nor as unsigned with 32768 as 0 V ({_unlike_ecg(patterns, 32768, resolution)})")
    raise error(f"Philips: the waveform's samples read like no ECG with {declared} ({read}), nor with 0 as 0 V "
                f"({_unlike_ecg(counts, 0, resolution)}){as_unsigned}: signalsigned and signaloffset misstate them")


def _ecg_like(c: np.ndarray, zero: float, resolution: float | None) -> str | None:
    """Why one lead's counts (1-D) read with ``zero`` as 0 V are no ECG, or None when they are one:
    no step of 32768 counts (the 16-bit range wrapped), a median within ``CENTRE_NEAR_MV`` of 0 V and a
    deviation from it within ``limits.MAX_TYPICAL_MV`` (what the file's resolution in uV per count
    makes of them; without one they cannot be judged)."""
    if not c.size:
        return None
    if wraps_16bit(c):
        return "wraps around the 16-bit range"
    if not resolution:
        return "cannot be judged in mV (the file gives no resolution)"
    median = float(np.median(c))
    if abs(median - zero) * resolution / 1000 > CENTRE_NEAR_MV:
        return f"sits {(median - zero) * resolution / 1000:+.0f} mV from 0 V"
    spread = float(np.median(np.abs(c - median))) * resolution / 1000
    if spread > MAX_TYPICAL_MV:
        return f"deviates {spread:.3g} mV from its median, where an ECG's deviates well under 1 mV"
    return None


def _fits(counts: list, zero: float, resolution: float | None) -> bool:
    """Whether every lead of ``counts`` ((label, counts (T,)) pairs) reads as an ECG with ``zero`` as 0 V."""
    return all(_ecg_like(c, zero, resolution) is None for _, c in counts)


def _unlike_ecg(counts: list, zero: float, resolution: float | None) -> str:
    """The first lead of ``counts`` that reads as no ECG with ``zero`` as 0 V, and why; "" when none."""
    for label, c in counts:
        why = _ecg_like(c, zero, resolution)
        if why is not None:
            return f"lead {label} {why}"
    return ""


def _spread(counts: list, zero: float, resolution: float) -> str:
    """A note's ending: how near 0 V the leads sit once read with ``zero`` as 0 V."""
    far = max((abs(float(np.median(c)) - zero) for _, c in counts if c.size), default=0.0)
    return f" (every lead's median within {far * resolution / 1000:.2g} mV of it)"


def _reread(leads, unsigned: bool, true_zero: int, stated_zero: int) -> None:
    """The leads' counts as read with ``true_zero`` as 0 V (``unsigned``: as unsigned 16-bit counts
    first), kept relative to the ``stated_zero`` that their offset subtracts."""
    for lead in leads:
        raw = np.asarray(lead.samples, dtype=np.float64)
        if unsigned:
            raw = np.mod(raw, 65536)
        lead.samples = raw - true_zero + stated_zero
