"""The model's hypertrophy, ischaemia and infarction, repolarisation and other statements, in reading order, with
what one of them says that another says more precisely left out (``INFARCT_WALLS``, ``LOCALISED_ISCHAEMIA``), and
the QTc rules (``qtc``) among the repolarisation statements.
"""

from __future__ import annotations

from mirage_model.measure.tangent import T_END_LATER
from mirage_model.review.interpret.qtc import BOGOSSIAN, qtc_reading, qtc_statements
from mirage_model.review.interpret.reading import Reading
from mirage_model.review.interpret.statements import STATEMENTS, Statement, StatementInfo, _in_sentence, by_probability

# the walls each infarct statement names; two that share a wall describe one infarct twice ("Inferior infarct;
# Inferolateral infarct"), and PTB-XL's cardiologists never label such a pair together (folds 1-8: 0 records
# for each of the 15 pairs, e.g. inferior + inferolateral of 2,143 and 383), except anterolateral + anteroseptal
# (135 records), which they do say together. Of such a pair the more probable is said, the other named in the
# resolved list. Chosen on fold 9 (rule and its two candidates, the more probable or the one naming more walls,
# written before the count): 51 records said such a pair (inferior + inferolateral 40, anterolateral +
# inferolateral 5, anterolateral + lateral 4, anterior + anteroseptal 2); the more probable one is the labelled
# one on 31 of the 51, the one naming more walls on 20 of the 44 where one does; the rule drops a labelled
# statement on 14 records, an unlabelled one on 37.
INFARCT_WALLS = {"IMI": ("inferior",), "ILMI": ("inferior", "lateral"), "IPLMI": ("inferior", "posterior", "lateral"),
                 "IPMI": ("inferior", "posterior"), "ASMI": ("anterior", "septal"), "AMI": ("anterior",),
                 "ALMI": ("anterior", "lateral"), "LMI": ("lateral",), "PMI": ("posterior",)}
INFARCTS_SAID_TOGETHER = {frozenset(("ALMI", "ASMI"))}
# ischaemic changes in named leads, and the nonspecific statements not said beside one of them (the localised one
# says it more precisely): PTB-XL's cardiologists label them together on 0 (STE_), 1 (NDT) and 17 (NST_) of the 951
# folds 1-8 records labelled with a localised one. Chosen on fold 9 (rule, candidates and the bar written before the
# count: drop where the dropped statement is labelled on fewer than half of the records it is dropped from and folds
# 1-8 label the pair together on at most 5 %): NDT was said beside one on 13 records, labelled on 1; STE_ on none;
# NST_ (asked the same way later) on 6, labelled on 1.
# Not STD_ (27, labelled on 15; folds 1-8 label it beside one on 112 of the 951). ISC_ has a rule of its own below.
LOCALISED_ISCHAEMIA = ("ISCAL", "ISCAS", "ISCAN", "ISCIN", "ISCIL", "ISCLA")
NONSPECIFIC_BESIDE_LOCALISED = {"STE_": 0, "NDT": 1, "NST_": 17}   # labelled with a localised one too (folds 1-8)
LOCALISED_LABELLED = 951        # folds 1-8 records labelled with a localised ischaemia statement
# nonspecific ischaemic changes (ISC_) and ischaemic changes in named leads are one or the other: folds 1-8 label
# them together on 1 of the 951 (ISC_ on 1,019 records), and ISC_ is mostly the repolarisation of left ventricular
# hypertrophy there (LVH labelled on 943 of the 1,019 ISC_ records, on 48 of the 951 localised ones). So where the
# model says both, ISC_ stands beside a said LVH and the localised ones go; without LVH the localised one stands.
# Chosen on fold 9 (rule, candidates and bar written before the count, 7fba29c: the one that stands labelled on
# more than half, the larger of two candidates): said together on 25 records, never both labelled; the one standing
# is labelled on 17 by LVH, on 13 by the more probable.
ISC_WITH_LOCALISED = 1          # folds 1-8 records labelled ISC_ and a localised statement (of LOCALISED_LABELLED)
ISC_WITH_LVH = (943, 1019)      # folds 1-8 records labelled ISC_ and LVH, and labelled ISC_


def finding_statements(r: Reading, out: list[Statement], irregular: bool | None, qtc_doubt: str = "") -> None:
    """The model's statements of the groups after the axis, and the QTc rules', appended to ``out``; what goes
    goes to ``r.resolved``. ``qtc_doubt``: why no QTc is judged (``pause.qtc_doubt``: the mean RR holds a pause):
    no QTc rule is said, nor the model's long QT judged against the QTc. Parses ``r.sex`` (``qtc_reading``)."""
    q = qtc_reading(r)
    p, positive, resolved, model_stmt, child, qrs_s = r.p, r.positive, r.resolved, r.model_stmt, r.child, r.qrs_s
    qtc, formula, qtc_s, adj, adj_s, long_flag = q.qtc, q.formula, q.qtc_s, q.adj, q.adj_s, q.long_flag
    # nonspecific ischaemic changes or ischaemic changes in named leads, not both: ISC_ beside a said LVH
    not_said: set[str] = set()
    named = sorted((c for c in positive if c in LOCALISED_ISCHAEMIA), key=by_probability(p))
    if named and "ISC_" in positive:
        isc = f"nonspecific ischaemic changes ({p['ISC_']:.0%})"
        counts = (f"(PTB-XL's cardiologists label the two together on {ISC_WITH_LOCALISED} of {LOCALISED_LABELLED} "
                  f"records with ischaemic changes in named leads, and nonspecific ischaemic changes beside left "
                  f"ventricular hypertrophy on {ISC_WITH_LVH[0]:,} of {ISC_WITH_LVH[1]:,})")
        if "LVH" in positive:
            not_said = set(named)
            resolved.append(f"{' and '.join(f'{_in_sentence(STATEMENTS[c].text)} ({p[c]:.0%})' for c in named)} not "
                            f"stated: {isc} stand, beside left ventricular hypertrophy {counts}")
        else:
            not_said = {"ISC_"}
            resolved.append(f"{isc} not stated: {_in_sentence(STATEMENTS[named[0]].text)} ({p[named[0]]:.0%}) "
                            f"stand, without left ventricular hypertrophy {counts}")
    # the most probable localised ischaemia statement said: a nonspecific one beside it is not said (no rule drops it)
    localised = next((c for c in named if c not in not_said), None)
    for group in ("hypertrophy", "ischaemia", "repolarisation", "other"):
        codes = [c for c in positive if STATEMENTS.get(c, StatementInfo(c, c, "", "other")).group == group
                 and c not in not_said]
        if localised is not None:
            for c in sorted((c for c in codes if c in NONSPECIFIC_BESIDE_LOCALISED), key=by_probability(p)):
                codes.remove(c)
                resolved.append(f"{_in_sentence(STATEMENTS[c].text)} ({p[c]:.0%}) not stated: "
                                f"{_in_sentence(STATEMENTS[localised].text)} ({p[localised]:.0%}) stands, the same "
                                f"finding in named leads (PTB-XL's cardiologists label the two together on "
                                f"{NONSPECIFIC_BESIDE_LOCALISED[c]} of {LOCALISED_LABELLED} records with ischaemic "
                                "changes in named leads)")
        said_infarcts: list[str] = []
        for c in sorted(codes, key=by_probability(p)):
            twin = next((k for k in said_infarcts if c in INFARCT_WALLS and frozenset((c, k)) not in INFARCTS_SAID_TOGETHER
                         and set(INFARCT_WALLS[c]) & set(INFARCT_WALLS[k])), None)
            if twin is not None:
                shared = " and ".join(w for w in INFARCT_WALLS[twin] if w in INFARCT_WALLS[c])
                resolved.append(f"{_in_sentence(STATEMENTS[c].text)} ({p[c]:.0%}) not stated: "
                                f"{_in_sentence(STATEMENTS[twin].text)} ({p[twin]:.0%}) names the {shared} wall too, "
                                "one infarct (PTB-XL's cardiologists never label the two together)")
                continue
            if c in INFARCT_WALLS:
                said_infarcts.append(c)
            note = None
            # a QTc within its limit whose T wave may end later (``Reading.t_end``) contradicts no long QT
            if (c == "LNGQT" and qtc is not None and long_flag != "high" and not child and not qtc_doubt
                    and T_END_LATER not in r.t_end):
                note = (f"not supported by the measured QTc {qtc_s} ms ({formula})" if adj is None else
                        f"not supported by the QRS-adjusted QTc {adj_s} ms ({formula}; QTc {qtc_s} ms, QRS {qrs_s} "
                        f"ms; {BOGOSSIAN})")
            out.append(model_stmt(c, note))
        if group == "repolarisation" and qtc is not None:
            qtc_statements(r, q, out, irregular, qtc_doubt)
