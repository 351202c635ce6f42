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
  stores them as residuals of I and II (they would read as the residuals, near zero).

Counts of 32768 and more with ``signaloffset`` 0 (which signed 16-bit data never holds) misstate
``signalsigned`` / ``signaloffset``: unsigned 16-bit counts that read as signed like an ECG (no step
of 32768 counts, the range wrapped around 0/65535; no lead 16384 counts from 0) are read so with a
reader note (signed data stated unsigned read up to 327 mV), anything else is refused naming the
fields. XLI's deltas decode to signed counts whatever the flag says.

XLI leads that hold more samples than ``durationperchannel`` at the stated rate are cut there, as
the parser does, with a reader note (the rate or the duration may be wrong).

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

from mirage_model.formats.assemble import misread_16bit, wraps_16bit
from mirage_model.records.age import YEAR_DAYS

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
            return leads

        def _read_patient(self, root, record):
            # <age> holds one of dateofbirth, years (1 to 199), months, weeks, days, hours or minutes;
            # the parser reads the first two only, so an infant's age was left out
            info = super()._read_patient(root, record)
            if info.age is None:
                age = sx._get(root, "patient", "generalpatientdata", "age")
                for unit, per_year in _AGE_UNITS:
                    value = sx._to_float(sx._value(sx._get(age, unit)))
                    if value is not None and value >= 0:
                        info.age = value / per_year          # a fraction of a year (7 months: 0.583)
                        break
            return info

    return CheckedLeads()


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
    """Leads whose counts show them read with the wrong sign: with signal offset 0, counts of 32768
    or more (which signed 16-bit data never holds; 164 mV at 5 uV). The cart's signalsigned and
    signaloffset are then misstated: unsigned 16-bit counts that, read as signed, neither step by
    32768 counts or more (the range wrapped around 0/65535) nor sit 16384 counts from 0 are read so,
    with a reader note (a cart that wrote signed data as unsigned read up to 327 mV, silently);
    counts that sit around 32768 (an unsigned signal whose zero is not at count 0) and anything
    else are refused naming the fields."""
    zero = sx._to_int(sx._attr(parsed, "signaloffset") or sx._text(sx._get(signal_node, "signaloffset"))) or 0
    if zero != 0:
        return
    counts = [(lead.label, np.asarray(lead.samples, dtype=np.float64)) for lead in leads]
    counts = [(label, c[np.isfinite(c)]) for label, c in counts]
    high = [label for label, c in counts if c.size and c.max() >= 32768]
    if not high:
        # (signed data may step from rail to rail after a shock: a wrap alone is not judged)
        return
    wrapped = [label for label, c in counts if wraps_16bit(c)]
    signed_text = sx._attr(parsed, "signalsigned") or sx._text(sx._get(signal_node, "signalsigned")) or "(absent)"
    declared = f"signalsigned {signed_text}, signaloffset 0"
    label, c = max(counts, key=lambda item: float(np.abs(item[1]).max()) if item[1].size else 0.0)
    resolution = leads[0].resolution                 # uV per count; None: the file gives none
    read = (f"lead {label} read up to {float(np.abs(c).max()) * resolution / 1000:.0f} mV" if resolution
            else f"lead {label} holds counts up to {float(np.abs(c).max()):.0f}")
    if all(not c.size or (c.min() >= 0 and c.max() <= 65535) for _, c in counts):
        signed = [(label, np.where(c >= 32768, c - 65536, c)) for label, c in counts]
        odd = _odd_lead(signed)
        if odd is None:
            for lead in leads:
                raw = np.asarray(lead.samples, dtype=np.float64)
                lead.samples = np.where(raw >= 32768, raw - 65536, raw)
            why = (f"leads {_named(wrapped)} wrap around 0/65535" if wrapped
                   else f"leads {_named(high)} hold counts of 32768 and more")
            warnings.warn(f"Philips: the waveform's samples are stated as {declared}, but {why} as signed 16-bit "
                          f"samples do when read as unsigned ({read}); they were read as signed")
            return
        if _odd_lead([(label, c - 32768) for label, c in counts]) is None:
            raise error(f"Philips: the waveform's samples sit around 32768, the middle of the unsigned 16-bit "
                        f"range, but {declared} puts 0 V at count 0 ({read}): the count that stands for 0 V "
                        "(signaloffset) is misstated")
        lead, why = odd
        raise error(f"Philips: the waveform's samples read like no ECG with {declared} ({read}), nor as signed "
                    f"16-bit samples (lead {lead} {why}): signalsigned and signaloffset misstate them")
    raise error(f"Philips: lead {high[0]} holds counts of 32768 and more ({read}) with signal offset 0, as no ECG "
                f"does: the waveform's samples are not what {declared} states")
