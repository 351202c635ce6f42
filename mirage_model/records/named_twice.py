"""Leads a file names more than once, in words: a lead named on two channels means that one of them is not that lead
(lead I written as "II" makes two IIs; a header whose last six signal lines repeat its first six names no chest
lead), so a reader that refuses such a file names the repetition first, the likelier fault."""

from __future__ import annotations

from collections.abc import Sequence

from mirage_model.words import counted, first_few


def twin_channels(match) -> dict[str, list[int]]:
    """The leads a ``leads.LeadMatch`` found named more than once -> their channels (0-based indices: the one read
    as the lead first, then its twins), in the order of their first channels; {} when none is."""
    groups: dict[str, list[int]] = {}
    for lead, i, _ in match.twins:
        groups.setdefault(lead, [match.chosen[lead][0]]).append(i)
    return dict(sorted(groups.items(), key=lambda item: item[1][0]))


def _numbers(channels: Sequence[int]) -> str:
    """1-based channel numbers: "7 and 8", "1, 2 and 3", "1, 2, 3, 4, 5, ..." (of more than 5)."""
    shown = [str(i + 1) for i in channels]
    return first_few(shown) if len(shown) > 5 else ", ".join(shown[:-1]) + " and " + shown[-1]


def named_more_than_once(names: Sequence[str | None], groups: dict[str, list[int]], where: str = "the file",
                         noun: str = "channel") -> str:
    """What ``where`` (the file, "the header") does in naming leads more than once, from ``twin_channels``'s
    ``groups`` over the channel ``names``; "" when none. A block of channels repeating the names of another block
    in order is said as such: "the header names 6 leads twice (i, ii, iii, avr, avl, avf: signals 7 to 12 repeat
    the names of signals 1 to 6): one signal of each pair is not the lead it names"; else each lead with its
    channels: "the file names a lead more than once (V1 on 2 channels: 7 and 8): only one channel of a name can be
    the lead it names"."""
    if not groups:
        return ""
    labels = [(names[chs[0]] or lead).strip() for lead, chs in groups.items()]
    firsts, k = [chs[0] for chs in groups.values()], len(groups)
    seconds = [chs[1] for chs in groups.values()]
    if (k > 1 and all(len(chs) == 2 for chs in groups.values()) and firsts == list(range(firsts[0], firsts[0] + k))
            and seconds == list(range(seconds[0], seconds[0] + k))):
        return (f"{where} names {k} leads twice ({', '.join(labels)}: {noun}s {seconds[0] + 1} to {seconds[-1] + 1} "
                f"repeat the names of {noun}s {firsts[0] + 1} to {firsts[-1] + 1}): one {noun} of each pair is not "
                "the lead it names")
    each = "; ".join(f"{label} on {counted(len(chs), noun)}: {_numbers(chs)}"
                     for label, chs in zip(labels, groups.values()))
    return (f"{where} names {'a lead' if k == 1 else 'leads'} more than once ({each}): only one {noun} of a name "
            "can be the lead it names")
