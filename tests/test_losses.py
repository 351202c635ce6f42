"""Losses against their formulas written out element by element."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from mirage_model.losses import classification_loss, info_nce, mirage_loss
from mirage_model.models.config import MirageConfig
from mirage_model.models.mirage import MirageOutput


def info_nce_by_hand(a: torch.Tensor, b: torch.Tensor, tau: float) -> float:
    """0.5 * (mean_i -log softmax_j(cos(a_i, b_j)/tau)[i] + the same with a and b swapped), in float64 loops."""
    a = a.double().tolist()
    b = b.double().tolist()
    B = len(a)

    def cos(u, v):
        return sum(x * y for x, y in zip(u, v)) / math.sqrt(sum(x * x for x in u) * sum(y * y for y in v))

    def direction(p, q):
        total = 0.0
        for i in range(B):
            s = [cos(p[i], q[j]) / tau for j in range(B)]
            m = max(s)
            lse = m + math.log(sum(math.exp(x - m) for x in s))
            total += lse - s[i]
        return total / B

    return 0.5 * (direction(a, b) + direction(b, a))


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0])
def test_info_nce_matches_formula(tau):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(6, 5, generator=g)
    b = torch.randn(6, 5, generator=g) * 3.0             # not normalised: info_nce normalises
    assert float(info_nce(a, b, tau)) == pytest.approx(info_nce_by_hand(a, b, tau), rel=1e-5)


def test_info_nce_properties():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(8, 4, generator=g)
    b = torch.randn(8, 4, generator=g)
    assert torch.allclose(info_nce(a, b, 0.1), info_nce(b, a, 0.1))        # symmetric
    assert torch.allclose(info_nce(a, b, 0.1), info_nce(2 * a, 0.5 * b, 0.1))   # scale-free
    # identical embeddings of near-orthogonal records: loss near 0; identical rows everywhere: log(B)
    eye = torch.eye(8)
    assert float(info_nce(eye, eye, 0.05)) < 1e-6
    same = torch.ones(8, 4)
    assert float(info_nce(same, same, 0.1)) == pytest.approx(math.log(8), rel=1e-6)
    with pytest.raises(ValueError):
        info_nce(a, b[:, :3], 0.1)
    with pytest.raises(ValueError):
        info_nce(a, b, 0.0)


def test_weighted_bce_matches_formula():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(4, 3, generator=g)
    target = torch.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]], dtype=torch.float32)
    w = torch.tensor([2.0, 0.5, 3.0])
    total = 0.0
    for i in range(4):
        for k in range(3):
            p = 1 / (1 + math.exp(-float(logits[i, k])))
            y = float(target[i, k])
            total += -(float(w[k]) * y * math.log(p) + (1 - y) * math.log(1 - p))
    assert float(classification_loss(logits, target, "multilabel", w)) == pytest.approx(total / 12, rel=1e-5)
    plain = classification_loss(logits, target, "multilabel")
    assert float(plain) == pytest.approx(float(classification_loss(logits, target, "multilabel", torch.ones(3))))


def test_weighted_ce_matches_formula():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(5, 4, generator=g)
    target = torch.tensor([0, 3, 3, 1, 2])
    w = torch.tensor([1.0, 2.0, 0.5, 4.0])
    num = den = 0.0
    for i in range(5):
        row = [float(x) for x in logits[i]]
        lse = max(row) + math.log(sum(math.exp(x - max(row)) for x in row))
        y = int(target[i])
        num += float(w[y]) * (lse - row[y])
        den += float(w[y])
    assert float(classification_loss(logits, target, "multiclass", w)) == pytest.approx(num / den, rel=1e-5)


def test_classification_loss_checks_shapes():
    with pytest.raises(ValueError, match="multilabel target"):
        classification_loss(torch.zeros(2, 3), torch.zeros(2), "multilabel")
    with pytest.raises(ValueError, match="multiclass target"):
        classification_loss(torch.zeros(2, 3), torch.zeros(2, 3), "multiclass")
    with pytest.raises(ValueError, match="class_weights"):
        classification_loss(torch.zeros(2, 3), torch.zeros(2, 3), "multilabel", torch.ones(4))
    with pytest.raises(ValueError, match="unknown task"):
        classification_loss(torch.zeros(2, 3), torch.zeros(2, 3), "ordinal")


def test_mirage_loss_combines_terms():
    g = torch.Generator().manual_seed(4)
    out = MirageOutput(logits=torch.randn(4, 2, generator=g), z_signal=torch.randn(4, 3, generator=g),
                       z_image=torch.randn(4, 3, generator=g))
    target = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    cfg = MirageConfig(num_classes=2, lambda_con=0.445, tau=0.1)
    total, parts = mirage_loss(out, target, cfg)
    cls = float(classification_loss(out.logits, target, "multilabel"))
    con = info_nce_by_hand(out.z_signal, out.z_image, 0.1)
    assert parts["cls"] == pytest.approx(cls, rel=1e-6)
    assert parts["con"] == pytest.approx(con, rel=1e-5)
    assert float(total) == pytest.approx(cls + 0.445 * con, rel=1e-5) == pytest.approx(parts["total"])
    # w/o contrast, or a baseline config without the contrastive fields: classification only
    total, parts = mirage_loss(out, target, MirageConfig(num_classes=2, use_contrast=False))
    assert float(total) == pytest.approx(cls) and parts["con"] == 0.0
    total, parts = mirage_loss(out, target, SimpleNamespace(task="multilabel"))
    assert float(total) == pytest.approx(cls)
    total, _ = mirage_loss(MirageOutput(logits=out.logits), target, cfg)      # no embeddings
    assert float(total) == pytest.approx(cls)
