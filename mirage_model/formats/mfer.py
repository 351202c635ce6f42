"""MFER (ISO 22077-1, Medical waveform Format Encoding Rules): the patient's age as the file states it.

MFER's age (tag 0x83) is the age in whole years (1 byte) and in days (2 bytes), then the birth date.
ecgdatakit's parser keeps the whole years alone, so an infant's "0 years, 90 days" was an age of 0.
"""

from __future__ import annotations

from mirage_model.records.age import YEAR_DAYS


def stated_age(years, days) -> float | None:
    """The age in years that MFER's age field states: its whole years, or below 1 year its days as a
    fraction of a year (90 days: 0.246); None when it states neither (both 0 or absent: the birth
    date gives the age)."""
    if years:
        return float(years)
    if days:
        return days / YEAR_DAYS
    return None


def adapt_parser(parser):
    """ecgdatakit's MFER parser, made to give an infant's age in days as a fraction of a year, and no
    age where the file states none (the parser's whole years from the birth date: the dates give it).

    It overrides and reads the parser's private members (``_finish_patient``, ``_patient``, ``_age``,
    ``_add_frame``, ``_warnings``, ``_state.channels``, ``_state.child``): the "formats" extra pins ecgdatakit below
    2.1 (pyproject.toml) for that reason; a newer release must be checked against them before the pin is raised."""

    class AgeInDays(type(parser)):
        def _finish_patient(self):
            super()._finish_patient()
            self._patient.age = stated_age(*self._age)

        def _add_frame(self, wav):
            state = self._state
            if why := undefined_layout(state.channels, state.child, state.parent):
                from ecgdatakit.exceptions import CorruptedFileError    # ecgdatakit is optional: loaded with the parser

                raise CorruptedFileError(why)
            said = len(self._warnings)
            super()._add_frame(wav)
            short = any(w.startswith(SHORT_FRAME) for w in self._warnings[said:])
            why = undefined_channels(self._state.channels, set(self._state.child), len(wav)) if short else ""
            if why:
                from ecgdatakit.exceptions import CorruptedFileError    # ecgdatakit is optional: loaded with the parser

                raise CorruptedFileError(why)

    return AgeInDays()


# ecgdatakit's warning where a frame's data ends before the frame's channels, blocks and sequences do: the samples
# it lacks are set to NaN (a file whose writer stopped early)
SHORT_FRAME = "MFER: waveform data shorter than the frame definition"


def undefined_channels(declared: int, defined: set[int], data_bytes: int) -> str:
    """Why a frame is refused whose data falls short of its definition (``SHORT_FRAME``) where some of the
    ``declared`` channels (MWF_CHN) have definitions of their own (MWF_ATT: the channel numbers ``defined``, from 0)
    and others none: the channel count is wrong, and the frame's data, laid out channel after channel block by
    block, is read into the wrong channels after the first block (an 8-lead file made to declare 255 channels read
    every lead misaligned after its first 1000 samples, with the short-data warning alone, as a file cut short
    says). "" where every declared channel is defined, or none is."""
    if not defined or declared <= len(defined):
        return ""
    return (f"{declared} channels declared (MWF_CHN) but {len(defined)} defined (MWF_ATT), and the "
            f"{data_bytes:,} bytes of waveform data are shorter than a frame of {declared} channels: the channel "
            "count is wrong (the samples would be read into the wrong leads)")


def undefined_layout(declared: int, defined: dict, header: dict) -> str:
    """Why a frame is refused whose ``declared`` channels (MWF_CHN) outnumber those with definitions of their own
    (MWF_ATT: ``defined``, channel number from 0 -> its attributes) where those set their own block length (MWF_BLK)
    and the header (``header``, the attributes in force for every channel) sets none: the others would be read in
    blocks of MFER's default, one sample, a layout nothing in the file gives them. The channel count is wrong,
    and the data, laid out channel after channel block by block, is read into the wrong leads: an 8-lead file of 5
    two-second sequences made to declare 10 channels and 4 sequences opened, every lead misaligned after its first
    block and no word said (its data long enough for the frame, ``undefined_channels`` did not apply). "" where
    every channel is defined, none is, or the header gives the others their block length."""
    others = [ch for ch in range(declared) if ch not in defined]
    if not others or not defined or "blk" in header or not any("blk" in d for d in defined.values()):
        return ""
    named = f"channel {others[0] + 1}" if len(others) == 1 else (
        f"channels {others[0] + 1}-{others[-1] + 1}" if others[-1] - others[0] == len(others) - 1
        else f"channels {', '.join(str(ch + 1) for ch in others[:5])}{', ...' if len(others) > 5 else ''}")
    return (f"{declared} channels declared (MWF_CHN) but {len(defined)} defined (MWF_ATT), and nothing in the file "
            f"gives {named} a block length (MWF_BLK): the channel count is wrong (the samples would be read into "
            "the wrong leads)")
