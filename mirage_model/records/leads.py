"""Lead names and units: a file's lead spelling to the standard 12 (``canonical_lead``), units to
mV, and the limb leads that Einthoven's (III = II - I) and Goldberger's (aVR = -(I + II) / 2,
aVL = I - II / 2, aVF = II - I / 2) identities give from the ones a file has."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from mirage_model.limits import MAX_TYPICAL_MV, MIN_ECG_LEADS, amplitude_outliers, amplitude_refusal, withheld_text
from mirage_model.records.named_twice import named_more_than_once, twin_channels
from mirage_model.records.record import STANDARD_LEADS

_LEAD_KEYS = {name.lower(): name for name in STANDARD_LEADS}
_LEAD_KEYS.update({"di": "I", "dii": "II", "diii": "III"})
# Words around a lead's name in files' and vendors' labels: "ECG II", "EKG_V1", "Lead I", "ECG lead I",
# "MDC_ECG_LEAD_AVR", "Channel II", the Cyrillic "ЭКГ II"; "Lead I (Einthoven)", "V1-Ref", "ECG V2-WCT"; "lead"
# in the languages of the carts' own exports: "Ableitung I" and "Abl. I" (German), "Dérivation I" (French),
# "Derivación I" (Spanish), "Derivazione I" (Italian), "Derivação I" (Portuguese), "Afleiding I" (Dutch),
# "Отведение I" (Russian); read as missing, the file's I, II and III had been left out of the record.
_PREFIX = re.compile(r"^(?:mdc_ecg_lead_|ekg|ecg|экг|lead|channel|ch|ableitung|abl|d[eé]rivation|derivaci[oó]n|"
                     r"derivazione|deriva[cç][aã]o|afleiding|отведение|отв)(?P<sep>[\s_.:-]*)", re.I)
_SUFFIX = re.compile(r"[\s_.:-]*(?:\(einthoven\)|\(goldberger\)|\(wilson\)|-?ref|-?avg|-?wct)$", re.I)
_SEPARATORS = re.compile(r"[\s_.:]+")
# A channel labelled as the difference of two limb leads ("I-II"): the lead it is, by Einthoven's
# III = II - I; any other difference ("I-III" = 2 aVL, "aVR-aVL") is no standard lead.
_DIFFERENCES = {("ii", "i"): ("III", 1), ("i", "ii"): ("III", -1), ("ii", "iii"): ("I", 1), ("iii", "ii"): ("I", -1)}
# A channel labelled by its two limb electrodes, as EDF+ and monitors write them ("ECG LA-RA"): the
# limb lead they form (Einthoven: I = LA - RA, II = LL - RA, III = LL - LA; "LF", left foot, is LL);
# the electrodes the other way round are that lead inverted ("RA-LA" = -I).
_ELECTRODE_LEADS = {("la", "ra"): ("I", 1), ("ll", "ra"): ("II", 1), ("ll", "la"): ("III", 1)}
_ELECTRODE_LEADS.update({(b, a): (lead, -1) for (a, b), (lead, _) in list(_ELECTRODE_LEADS.items())})


def canonical_lead(name: str) -> tuple[str, int] | None:
    """Map a file's lead name to (standard name, sign); None for a non-12-lead channel.

    The one mapping of every reader (WFDB, EDF, XML, DICOM ...). Case and separators are ignored
    ("AVR", "aVR", "avr", "ECG_V1", "DII"), and so are the words around the name that files and
    vendors write ("Lead II", "EKG I", "ECG lead I", "MDC_ECG_LEAD_AVR", "Lead I (Einthoven)",
    "V1-Ref", "ECG V2-WCT"). A minus before the name is its sign: "-aVR" (Cabrera display) and
    "ECG -aVR" map to ("aVR", -1); "ECG-aVR" is a hyphen, ("aVR", 1). A difference of two limb
    leads is the lead it equals: "II-I" is ("III", 1), "I-II" ("III", -1); so is a pair of limb
    electrodes: "LA-RA" is ("I", 1), "LL-RA" ("II", 1), "LL-LA" ("III", 1), "RA-LA" ("I", -1).
    "MLII", the Frank leads and any other difference ("I-III", "aVR-aVL") map to None.
    """
    sign, key, parts = _name_parts(name)
    electrodes = _electrode_pair(parts)
    if electrodes is not None:                                          # "LA-RA": limb electrodes
        lead, polarity = _ELECTRODE_LEADS[electrodes]
        return lead, sign * polarity
    if len(parts) == 2 and all(part in _LEAD_KEYS for part in parts):   # "I-II": a difference
        hit = _DIFFERENCES.get(tuple(parts))
        return (hit[0], sign * hit[1]) if hit else None
    std = _LEAD_KEYS.get(_SEPARATORS.sub("", key).replace("-", ""))
    return (std, sign) if std else None


def _name_parts(name: str) -> tuple[int, str, list[str]]:
    """A lead name without the words around it (``canonical_lead``): (sign, lower-case key, the
    key's parts around "-" without separators). "ECG -aVR" -> (-1, "avr", ["avr"]); "ECG LA-RA"
    -> (1, "la-ra", ["la", "ra"])."""
    s, sign = unicodedata.normalize("NFC", name).strip(), 1      # "Dérivation" with its accent composed
    for _ in range(3):   # "ECG lead I": two words before the name
        m = _PREFIX.match(s)
        if m is None:
            break
        s = s[m.end():]
        if re.search(r"\s-$", m.group("sep")):   # "ECG -aVR": a minus after a space is a sign
            s = "-" + s
    for _ in range(2):
        s = _SUFFIX.sub("", s).strip()
    if s.startswith("-"):
        sign, s = -1, s[1:].strip()
    key = s.lower()
    return sign, key, [_SEPARATORS.sub("", part) for part in key.split("-")]


def standard_leads_named(labels: Iterable[str | None]) -> list[str]:
    """The standard leads a file's channel labels name (``canonical_lead``, the sign dropped), in
    channel order; a label naming none, or empty, is left out. For telling which leads a group of
    channels holds before it is read (a DICOM multiplex group, an HL7 aECG sequence set)."""
    leads = []
    for label in labels:
        mapped = canonical_lead(label) if label else None
        if mapped is not None:
            leads.append(mapped[0])
    return leads


def _electrode_pair(parts: list[str]) -> tuple[str, str] | None:
    """The (electrode, electrode) key of ``_ELECTRODE_LEADS`` that a name's parts around "-" are
    ("lf", left foot, as "ll"), or None."""
    pair = tuple("ll" if part == "lf" else part for part in parts)
    return pair if pair in _ELECTRODE_LEADS else None


def is_electrode_pair(name: str) -> bool:
    """Whether ``name`` names a limb lead by its two electrodes ("ECG LA-RA"), not by the lead."""
    return _electrode_pair(_name_parts(name)[2]) is not None


# IEC 60601-2-25 names the chest leads C1-C6 (V1-V6 in the AHA naming); EEG montages use C1-C6 too
# (central electrodes), so they are read as chest leads only beside ECG limb leads (see ``match_leads``).
_IEC_CHEST = re.compile(r"^(?:ecg|ekg|lead)?[\s_.:-]*c([1-6])$", re.I)
_LIMB = ("I", "II", "III", "aVR", "aVL", "aVF")


@dataclass(frozen=True)
class LeadMatch:
    """Which file channel feeds each standard lead.

    Attributes:
        chosen: standard lead -> (channel index, sign); the first channel of a lead wins.
        dropped: channel names that are no 12-lead ECG lead (``channel N`` for an unnamed one).
        duplicates: channel names of a lead already taken.
        renamed: (name in the file, standard lead) for the IEC chest-lead names C1-C6.
        matched: indices of the channels that are a 12-lead ECG lead (chosen or duplicate).
        twins: (standard lead, channel index, sign) of each channel named as a lead already taken.
    """
    chosen: dict
    dropped: tuple
    duplicates: tuple
    renamed: tuple
    matched: tuple
    twins: tuple = ()


def match_leads(names: Sequence[str], mapper: Callable[[str], tuple[str, int] | None] = None) -> LeadMatch:
    """Match a file's channel names to the standard 12 leads.

    ``mapper`` (default ``canonical_lead``) maps one name. IEC chest-lead names (C1-C6, "ECG C3")
    are read as V1-V6 when at least two limb leads are among the names and no V lead is: an ECG
    labelled the IEC way, not an EEG's central electrodes.
    """
    mapper = mapper or canonical_lead
    mapped = [mapper(n) if n else None for n in names]
    # a lead the file also names outright is that channel's: a channel named by its electrodes
    # ("ECG LA-RA" beside "ECG I") stays an extra channel, as before such names were read
    named = {m[0] for n, m in zip(names, mapped) if m is not None and not is_electrode_pair(n or "")}
    mapped = [None if m is not None and m[0] in named and is_electrode_pair(n or "") else m
              for n, m in zip(names, mapped)]
    have = {m[0] for m in mapped if m is not None}
    iec = len(have & set(_LIMB)) >= 2 and not have & {f"V{k}" for k in range(1, 7)}
    chosen: dict[str, tuple[int, int]] = {}
    dropped, duplicates, renamed, matched, twins = [], [], [], [], []
    for i, (name, m) in enumerate(zip(names, mapped)):
        if m is None and iec and name and (hit := _IEC_CHEST.match(name.strip())):
            m = (f"V{hit.group(1)}", 1)
            renamed.append((name, m[0]))
        if m is None:
            dropped.append(name or f"channel {i + 1}")
            continue
        matched.append(i)
        if m[0] in chosen:
            duplicates.append(name)
            twins.append((m[0], i, m[1]))
        else:
            chosen[m[0]] = (i, m[1])
    return LeadMatch(chosen, tuple(dropped), tuple(duplicates), tuple(renamed), tuple(matched), tuple(twins))


# Channels of a sleep study or a bedside monitor (AASM's montage: EEG, EOG, chin and leg EMG, airflow,
# effort, oximetry, position): beside one to three ECG channels they show a recording that is no 12-lead ECG.
_NOT_ECG_KINDS = re.compile(r"(?i)^(?:eeg|eog|emg|spo2|sao2|pleth|resp|flow|thor|abd|snore|leg|position|"
                            r"body|pulse|hr\b|light|nasal|oral|therm|pap|cpap|effort|[cfopt]z?\d*[-_ ]?(?:m|a)[12]\b)")


# Chest leads a file may hold in place of standard ones: right-sided (V3R-V6R, V1R, V2R) and posterior
# (V7-V9), as a paediatric lead set records V3R and V4R (and V7) for V3 and V4 (or V5)
_OTHER_CHEST = re.compile(r"(?i)^(?:ecg|ekg|lead)?[\s_.:-]*(v[1-6]r|v[7-9])$")


def other_chest_leads(names: Iterable[str | None]) -> list[str]:
    """The chest leads among a file's channel ``names`` that are none of the 12 (V3R, V4R, V7: a paediatric lead
    set records them in place of V3 and V4, or V5), stripped."""
    return [name.strip() for name in names if name and _OTHER_CHEST.match(name.strip())]


def held_in_place(absent: Sequence[str], dropped: Sequence[str | None]) -> dict[str, str]:
    """Missing chest lead -> the chest lead none of the 12 that the file holds in its place (V3 -> V3R and V5 -> V7
    of a paediatric lead set), of a record whose file has no channel for the standard leads ``absent``
    (``meta["absent_leads"]``) and holds the channels ``dropped`` (``meta["dropped_leads"]``): paired in order
    where the file holds as many such leads as there are missing, all of them chest leads; else {} (which stands
    for which is not known). The pair is named, never drawn or read as the standard lead."""
    instead = other_chest_leads(dropped)
    if not absent or len(instead) != len(absent) or not all(lead.startswith("V") for lead in absent):
        return {}
    return dict(zip(absent, instead))


def too_few_leads(names: Sequence[str | None], match: LeadMatch, missing: Sequence[str],
                  kind: str | None = None, empty: Sequence[str] = (), where: tuple[str, str] = ("the file", "channel")
                  ) -> str:
    """Why a file's channels are not a 12-lead ECG, in words: the standard leads they give (with the
    file's name where it differs: "II as 'ECG II'"), those Einthoven's and Goldberger's identities derive
    from its limb leads counted with them, those missing, and the other channels; chest leads the file
    holds in place of missing ones (V3R, V4R, V7: a paediatric lead set, whose I and II give the six
    limb leads) are named beside the missing ones. Then what the file is: ``kind`` where its reader knows
    it from the file ("an MFER 'Monitoring Waveform'"), else a sleep study's or a monitor's recording when
    the other channels are of theirs (EEG, EOG, EMG, SpO2 ...); then what it means: the models read the
    12 leads, so the record cannot be scored. ``empty``: the file's leads whose samples are all invalid
    (``hollow_leads_refusal``), counted as missing and named. Leads the file names more than once come first
    (``named_twice``: ``where`` names it and its channels, ("the header", "signal") for WFDB), not among the other
    channels. For the refusal of every reader (WFDB, EDF, vendor formats)."""
    held = {lead: match.chosen[lead] for lead in match.chosen if lead not in empty}
    chosen = [(lead, names[held[lead][0]] or "") for lead in STANDARD_LEADS if lead in held]
    derived = [lead for lead in STANDARD_LEADS if lead in derivable_leads(set(held))]
    have = ", ".join(lead if name.strip() == lead else f"{lead} as {name.strip()!r}" for lead, name in chosen)
    if derived:   # "has 6 of the 12" of a file whose I and II give III, aVR, aVL and aVF had counted 4 leads short
        have += f", and {', '.join(derived)} derived from its limb leads"
    twins = twin_channels(match)     # a lead named twice: one of its channels is some other lead, said first
    used = {i for _, i, _ in match.twins} | {i for i, _ in match.chosen.values()}   # an empty lead's too
    others = [name or f"channel {i + 1}" for i, name in enumerate(names) if i not in used]
    instead = other_chest_leads(others)
    if not all(lead.startswith("V") for lead in missing):
        instead = []
    text = (f"{named_more_than_once(names, twins, *where)}; " if twins else "") + (
        f"not enough ECG leads: has {len(chosen) + len(derived)} of the 12 standard leads ({have or 'none'}); "
        f"missing {', '.join(missing)}")
    if empty:
        text += (f" ({len(empty)} lead{'s hold' if len(empty) > 1 else ' holds'} no samples in the file, "
                 f"every one invalid: {', '.join(empty)})")
    if instead:
        paediatric = any(name.upper().endswith("R") for name in instead)
        text += f" (the file holds {', '.join(instead)} instead{': a paediatric lead set?' if paediatric else ''})"
        others = [name for name in others if name.strip() not in instead]
    if others:
        text += f"; other channels: {_channel_list(others)}"
        if kind is None and chosen and any(_NOT_ECG_KINDS.match((name or "").strip()) for name in others):
            kind = "a sleep study or monitoring recording"
    # "has 3 of the 12" had left a Holter's user to guess how many leads MIRAGE reads: it says (``enough_leads``)
    return text + ("" if instead or not kind else f" ({kind}, not a 12-lead ECG)") + (
        f"; MIRAGE's models read the 12 leads, at least {MIN_ECG_LEADS} of them given (the others blank), so a "
        "record of fewer (a 3-lead Holter's, a monitor's) cannot be scored by them")


def _channel_list(names: Sequence[str], most: int = 16, first: int = 12) -> str:
    """A file's channel ``names`` for a message: a name the file repeats once, with its count ("I (11 channels)"),
    and of more than ``most`` names the ``first`` and the count ("ch0, ..., ch11, ... (200 channels in all)"): 200 names
    had filled the app's message bar and hidden what the message says to do."""
    counts = {name: names.count(name) for name in dict.fromkeys(names)}
    shown = [name if n == 1 else f"{name} ({n} channels)" for name, n in counts.items()]
    return ", ".join(shown) if len(shown) <= most else f"{', '.join(shown[:first])}, ... ({len(names)} channels in all)"


def shown_leads(stored: Iterable[str], withheld: Iterable[str] = ()) -> int:
    """How many of the 12 leads a record shows whose file holds the standard leads ``stored`` (names) and whose
    reader withholds ``withheld`` of them: the ones left, with the limb leads ``derive_leads`` gives from them
    (none from a lead withheld; a withheld limb lead rebuilt from two others). The one count that ``enough_leads``
    and ``off_scale_leads`` compare with ``limits.MIN_ECG_LEADS``."""
    stored = list(stored)
    probe = np.full((12, 1), np.nan)         # the leads the record would show: derived as the reader derives them
    probe[[STANDARD_LEADS.index(lead) for lead in stored]] = 0.0
    probe[[STANDARD_LEADS.index(lead) for lead in withheld]] = np.nan
    derive_leads(probe, dict.fromkeys(stored))
    return int(np.isfinite(probe).sum())


def enough_leads(stored: Iterable[str]) -> bool:
    """Whether a file holding the standard leads ``stored`` (names) opens: it shows at least
    ``limits.MIN_ECG_LEADS`` of the 12 (``shown_leads``), as a record with leads withheld must. A lead it neither
    holds nor derives is then blank, NaN and flagged "missing", as a lead whose samples are all invalid is;
    otherwise the reader refuses it (``too_few_leads``)."""
    return shown_leads(stored) >= MIN_ECG_LEADS


def hollow_leads_refusal(signal: np.ndarray, names: Sequence[str | None], match: LeadMatch, kind: str | None = None,
                         where: tuple[str, str] = ("the file", "channel")) -> tuple[str | None, list[str]]:
    """The lead count once a record's samples are read into ``signal`` (12, T) mV, before any lead is withheld
    or derived: a lead whose samples are all invalid (NaN) is shown no more than one the file has no channel
    for, so the record opens as the file without those channels would (``enough_leads`` of the leads holding
    samples). Returns (why the record is refused, ``too_few_leads`` naming the empty leads, or None; the
    leads of ``match`` that hold samples, in STANDARD_LEADS order, for ``off_scale_leads``)."""
    rows = {lead: STANDARD_LEADS.index(lead) for lead in STANDARD_LEADS if lead in match.chosen}
    empty = [lead for lead, k in rows.items() if not np.isfinite(signal[k]).any()]
    held = [lead for lead in rows if lead not in empty]
    if not held:        # no sample anywhere: a blank recording, opened unscorable ("no usable signal"), as before
        return None, list(rows)
    if not empty or enough_leads(held):
        return None, held
    return too_few_leads(names, match, [STANDARD_LEADS[k] for k in absent_rows(held)], kind, empty, where), held


def absent_rows(stored: Iterable[str]) -> list[int]:
    """The rows (STANDARD_LEADS indices) of the leads a file holding ``stored`` (names) neither holds nor derives
    (``derivable_leads``): blank in a record that opens (``enough_leads``)."""
    have = set(stored)
    have |= derivable_leads(have)
    return [k for k, lead in enumerate(STANDARD_LEADS) if lead not in have]


UNIT_SCALE = {  # factor to mV
    "mv": 1.0, "millivolt": 1.0, "millivolts": 1.0,
    "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "microvolt": 1e-3, "microvolts": 1e-3,
    "v": 1e3, "volt": 1e3, "volts": 1e3,
    "nv": 1e-6,
}


def unit_scale(units: str) -> float | None:
    """mV per unit of a file's units field ("mV", "uV", "µV", "V", any case); None for units it
    does not know.

    Micro is taken as U+00B5 (micro sign) or U+03BC (Greek mu), in latin-1 or in UTF-8 read byte
    for byte as latin-1 (how WFDB headers and EDF fields are read: "Âµ", "Î¼").
    """
    text = units.strip()
    try:
        text = text.encode("latin-1").decode("utf-8")   # UTF-8 bytes read one per character
    except UnicodeError:
        pass
    return UNIT_SCALE.get(unicodedata.normalize("NFKC", text).lower())   # NFKC: U+00B5 -> U+03BC


def derivable_leads(present: set[str]) -> set[str]:
    """Limb leads that Einthoven's and Goldberger's identities give from the ones present."""
    have = set(present)
    limb = {"I", "II", "III"}
    if len(have & limb) == 2:
        have |= limb
    if {"I", "II"} <= have:
        have |= {"aVR", "aVL", "aVF"}
    return have - present


def derive_leads(signal: np.ndarray, chosen: dict) -> list[int]:
    """Fill the limb leads of ``signal`` (12, T) that the file lacks in place; returns their indices.

    A lead the file has no channel for is derived from the file's leads it needs (blank where one of them
    is: ``blank_sources`` says which). A lead whose channel's samples are all invalid (NaN: not stored,
    damaged, or withheld for amplitudes that are no ECG's, ``withhold``) is rebuilt as well, but only from
    leads that hold samples, which gives it exactly where those are right: an electrode off (LA, RA or LL)
    spoils two of I, II and III, which leaves one, and nothing is rebuilt from one; the lead then stays
    blank as read. A lead with only some samples invalid keeps its own (the gaps stay gaps)."""
    idx = {lead: k for k, lead in enumerate(STANDARD_LEADS)}
    done = []
    have = set(chosen)
    usable = {lead for lead in chosen if np.isfinite(signal[idx[lead]]).any()}

    def fill(lead: str) -> None:
        if lead in have and (lead in usable or not set(DERIVED_FROM[lead]) <= usable):
            return                                           # the file's own, or all invalid with no two to use
        if not set(DERIVED_FROM[lead]) <= have:
            return
        signal[idx[lead]] = _FORMULAS[lead](s)
        have.add(lead)
        if np.isfinite(signal[idx[lead]]).any():
            usable.add(lead)
        done.append(idx[lead])

    s = {lead: signal[idx[lead]] for lead in STANDARD_LEADS}
    for lead in ("III", "II", "I", "aVR", "aVL", "aVF"):    # Einthoven's first: the augmented need I and II
        fill(lead)
    return sorted(done)


# Einthoven's III = II - I and its rearrangements, Goldberger's augmented leads from I and II (``derive_leads``)
_FORMULAS = {"III": lambda s: s["II"] - s["I"], "II": lambda s: s["I"] + s["III"], "I": lambda s: s["II"] - s["III"],
             "aVR": lambda s: -(s["I"] + s["II"]) / 2, "aVL": lambda s: s["I"] - s["II"] / 2,
             "aVF": lambda s: s["II"] - s["I"] / 2}


# The leads each limb lead is derived from (``derive_leads``): Einthoven's III = II - I and its two
# rearrangements, Goldberger's augmented leads from I and II.
DERIVED_FROM = {"I": ("II", "III"), "II": ("I", "III"), "III": ("I", "II"),
                "aVR": ("I", "II"), "aVL": ("I", "II"), "aVF": ("I", "II")}


def blank_sources(lead: str, derived, blank) -> tuple[str, ...]:
    """The leads that the derived limb ``lead`` needs (``DERIVED_FROM``; through a limb lead itself derived,
    the file's own) and that are ``blank`` (no finite sample), in the standard order: why a lead derived
    from them is blank too. () for a lead not ``derived``, or none of whose sources is blank (a gap in each
    source at another time)."""
    if lead not in derived or lead not in DERIVED_FROM:
        return ()
    needs, todo, seen = set(), [lead], {lead}
    while todo:                                  # a derived source (II from I and III) needs the file's own
        for source in DERIVED_FROM[todo.pop()]:
            if source in seen:
                continue
            seen.add(source)
            if source in derived:
                todo.append(source)
            elif source in blank:
                needs.add(source)
    return tuple(name for name in STANDARD_LEADS if name in needs)


def rebuilt_notes(chosen, derived, withheld=None) -> list[str]:
    """One note for each limb lead that ``derive_leads`` rebuilt (``derived``: indices) though the file has its
    channel (``chosen``: standard names), saying from which leads and why: "III derived from I and II: its own
    samples were all invalid", or "... were withheld (its amplitudes ...)" for one of ``withheld`` (lead -> why,
    ``withhold``). For the record's reader notes, which the app, the PDF and ``mirage score``'s rows say."""
    notes = []
    for k in derived:
        lead = STANDARD_LEADS[k]
        if lead not in chosen:
            continue
        why = f"withheld ({withheld[lead]})" if lead in (withheld or {}) else "all invalid"
        notes.append(f"{lead} derived from {' and '.join(DERIVED_FROM[lead])}: its own samples were {why}")
    return notes


def still_withheld(withheld: dict, derived) -> dict:
    """``withheld`` (``withhold``'s lead -> why) less the limb leads ``derive_leads`` rebuilt (``derived``: indices)
    from two others: a lead rebuilt and shown is not withheld (its reader note, ``rebuilt_notes``, says why its own
    samples were not used). What ``meta["withheld_leads"]`` holds: the leads withheld and left blank."""
    rebuilt = {STANDARD_LEADS[k] for k in derived}
    return {lead: why for lead, why in withheld.items() if lead not in rebuilt}


def sources_text(sources: Sequence[str], withheld=(), short: bool = False) -> str:
    """The blank ``sources`` of a lead (``blank_sources``) in words, each "withheld" (one of ``withheld``, the
    reader's ``meta["withheld_leads"]``) or "missing from the file": "lead I, withheld", "leads I and II,
    missing from the file", "lead I, withheld, and lead II, missing from the file"; ``short`` for a lead's
    label, which a 2.5 s panel must hold: "I, withheld", "I and II, missing", "I, withheld; II, missing"."""
    groups: dict[str, list[str]] = {}
    for source in sources:
        groups.setdefault("withheld" if source in withheld else "missing from the file", []).append(source)
    if short:
        return "; ".join(f"{' and '.join(names)}, {why.split()[0]}" for why, names in groups.items())
    return ", and ".join(f"lead{'s' if len(names) > 1 else ''} {' and '.join(names)}, {why}"
                         for why, names in groups.items())


def off_scale_leads(signal: np.ndarray, stored: Sequence[str]) -> tuple[str | None, dict[int, float]]:
    """The amplitude check of a record's ``stored`` leads (standard names) in ``signal`` (12, T) mV, before
    any lead is derived: (why the record is refused, or None; the leads to withhold, row -> deviation mV).

    Leads over ``limits.MAX_TYPICAL_MV`` beside leads with an ECG's amplitudes are an electrode off
    swinging from rail to rail, or a lead whose own units field is wrong: they are withheld (the reader
    makes them missing, ``withhold``) when they are a minority of ``stored`` and the leads left, with the
    limb leads derived from them (Einthoven, Goldberger: none from a lead withheld, a withheld one rebuilt from
    two left), are at least ``limits.MIN_ECG_LEADS``; otherwise the record is refused, as it is when the typical
    lead deviates more than the limit (``limits.amplitude_refusal``)."""
    rows = [STANDARD_LEADS.index(lead) for lead in stored]
    typical, off = amplitude_outliers(signal, rows)
    if not off or typical > MAX_TYPICAL_MV:
        return amplitude_refusal(typical, off, STANDARD_LEADS), {}
    left = shown_leads(stored, [STANDARD_LEADS[k] for k in off])
    if 2 * len(off) < len(rows) and left >= MIN_ECG_LEADS:
        return None, off
    why = (f"too many to withhold: {len(off)} of the file's {len(rows)} leads, {left} left to show (a record opens "
           f"with a minority withheld and at least {MIN_ECG_LEADS} leads shown)")
    return amplitude_refusal(typical, off, STANDARD_LEADS, why), {}


def withhold(signal: np.ndarray, off: dict[int, float], missing: np.ndarray) -> dict[str, str]:
    """Make the leads ``off`` (``off_scale_leads``) of ``signal`` (12, T) missing, as a lead the file
    lacks is: NaN throughout and flagged in ``missing`` (12,) bool, in place, before any lead is derived
    from them. Returns ``meta["withheld_leads"]``: lead -> why, in words (``limits.withheld_text``)."""
    for k in off:
        signal[k] = np.nan
        missing[k] = True
    return {STANDARD_LEADS[k]: withheld_text(off[k]) for k in sorted(off)}


def add_twin_signals(meta: dict, match: LeadMatch, rows: dict) -> None:
    """Put each twin channel's samples (``rows``: channel index -> (T,) mV, the sign applied) into
    its ``meta["named_twice"]`` entry as "signal", so that the viewer can draw it beside the first."""
    meta["named_twice"] = tuple({**entry, "signal": rows.get(entry["channel"] - 1)}
                                for entry in meta.get("named_twice") or ())


def lead_mapping_meta(match: LeadMatch, derived) -> dict:
    """What the lead matching did, for ``EcgRecord.meta``: the file's leads left out, duplicated,
    renamed (IEC C1-C6, as "C1 -> V1"), derived (indices into STANDARD_LEADS), inverted, and the standard
    leads it has no channel for and does not derive ("absent_leads", blank: ``enough_leads``)."""
    meta = {}
    if match.dropped:
        meta["dropped_leads"] = tuple(match.dropped)
    if match.duplicates:
        meta["duplicate_leads"] = tuple(match.duplicates)
        # which channels carry a name twice: the quality gate names them, the viewer shows each
        meta["named_twice"] = tuple({"lead": lead, "channel": i + 1, "first_channel": match.chosen[lead][0] + 1}
                                    for lead, i, _ in match.twins)
    if match.renamed:
        meta["renamed_leads"] = tuple(f"{name} -> {lead}" for name, lead in match.renamed)
    if derived:
        meta["derived_leads"] = tuple(STANDARD_LEADS[k] for k in derived)
    if absent := absent_rows(match.chosen):     # no channel: blank (``enough_leads``), said in the record's notes
        meta["absent_leads"] = tuple(STANDARD_LEADS[k] for k in absent)
    if any(sign < 0 for _, sign in match.chosen.values()):
        meta["inverted_leads"] = tuple(lead for lead, (_, s) in match.chosen.items() if s < 0)
    return meta
