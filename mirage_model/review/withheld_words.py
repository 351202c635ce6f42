"""A withheld interpretation's reason in the words of a short line: the quality gate's reason (its findings joined
by "; ", each with its detail in parentheses) without its detail, as page 1's band, the batch dialog's cell and
``mirage report``'s terminal line say it."""

from __future__ import annotations


def _parts(reason: str) -> list[str]:
    """``reason``'s findings: cut at each "; " outside parentheses (one inside them is its finding's detail). An
    unbalanced ")" closes nothing, an unclosed "(" holds the rest."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(reason):
        depth = max(0, depth + (ch == "(") - (ch == ")"))
        if depth == 0 and reason.startswith("; ", i):
            parts.append(reason[start:i])
            start = i + 2
    return [*parts, reason[start:]]


def _undetailed(text: str) -> str:
    """``text`` without its parenthesised parts, nested ones too ("paced rhythm (statements model, P=0.93;
    pacemaker spikes not checked at 100 Hz)" -> "paced rhythm"); an unbalanced ")" dropped; ``text`` itself where
    nothing is left of it."""
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return " ".join("".join(out).split()).replace(" ;", ";") or text.strip()


def short_reason(reason: str) -> str:
    """The reason's findings without their detail: "lead V5 missing; noise in II (0.3 mV)" -> "lead V5 missing;
    noise in II". The batch dialog's cell says it after "withheld: "."""
    return "; ".join(_undetailed(p) for p in _parts(reason) if p.strip())


def reason_heads(reason: str) -> list[str]:
    """Shorter forms of ``reason`` for a line too short for it, longest first, for the first that fits: its findings
    without their detail (``short_reason``), its first finding with its detail, that finding without it ("lead V5
    missing; noise in II", "lead V5 missing"). Never cut inside parentheses."""
    first = _parts(reason)[0].strip()
    heads = dict.fromkeys(h for h in (short_reason(reason), first, _undetailed(first)) if h)
    return sorted(heads, key=len, reverse=True)


def withheld_sentence(labels, reason: str) -> str:
    """The calls withheld and why in one phrase: "withheld: MI, CD: paced rhythm (statements model, P=0.93; ...)"
    (the batch cell's hover, ``mirage report``'s terminal line)."""
    return f"withheld: {', '.join(labels)}: {reason}"
