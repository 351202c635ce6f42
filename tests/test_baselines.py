"""In-harness baselines: resnet1d_wang (PTB-XL benchmark) and PatchTST, same interface as MIRAGE."""

from __future__ import annotations

import pytest
import torch

from mirage_model.models import build_model, config_dict
from mirage_model.models.baselines import PatchTST, PatchTSTConfig, ResNet1dConfig, ResNet1dWang
from mirage_model.models.mirage import MirageOutput

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_resnet1d_wang_architecture():
    m = ResNet1dWang(ResNet1dConfig(num_classes=5))
    # the benchmark's layout: stem conv k7 s1 (no pooling), 3 basic blocks of 128 channels, kernels (5, 3)
    assert m.stem[0].kernel_size == (7,) and m.stem[0].stride == (1,) and m.stem[0].out_channels == 128
    assert [b.conv1.stride[0] for b in m.blocks] == [1, 2, 2]
    assert all(b.conv1.kernel_size == (5,) and b.conv2.kernel_size == (3,) for b in m.blocks)
    # head: concat pooling (2 x 128) -> BN, dropout 0.25, linear 128, ReLU, BN, dropout 0.5, linear K
    lin = [l for l in m.head if isinstance(l, torch.nn.Linear)]
    assert [(l.in_features, l.out_features) for l in lin] == [(256, 128), (128, 5)]
    drops = [l.p for l in m.head if isinstance(l, torch.nn.Dropout)]
    assert drops == [0.25, 0.5]
    # parameter count from the layout: stem 12*128*7 + BN; each block 128*128*(5+3) + BNs; downsample
    # 1x1 convs in blocks 2, 3; head. Written out independently:
    stem = 12 * 128 * 7 + 2 * 128
    block = 128 * 128 * 5 + 128 * 128 * 3 + 4 * 128
    down = 128 * 128 + 2 * 128
    head = 2 * 256 + 256 * 128 + 128 + 2 * 128 + 128 * 5 + 5
    assert sum(p.numel() for p in m.parameters()) == stem + 3 * block + 2 * down + head


@pytest.mark.parametrize("cls,cfg", [(ResNet1dWang, ResNet1dConfig), (PatchTST, PatchTSTConfig)])
def test_same_interface_as_mirage(cls, cfg):
    torch.manual_seed(0)
    kwargs = dict(num_classes=3) if cls is ResNet1dWang else dict(num_classes=3, d_model=16, n_heads=2, depth=1,
                                                                     d_ff=32)
    m = cls(cfg(**kwargs)).eval()
    x = torch.randn(2, 12, 1000)
    out = m(x, torch.rand(2, 1, 224, 224), torch.randn(2, 4), torch.ones(2, 4))
    assert isinstance(out, MirageOutput) and out.logits.shape == (2, 3)
    # image and clinical inputs are ignored
    out2 = m(x, None, None, None)
    torch.testing.assert_close(out.logits, out2.logits)
    # build_model by name round-trips the config (what checkpoints store)
    name = "resnet1d_wang" if cls is ResNet1dWang else "patchtst"
    m2 = build_model(name, config_dict(m))
    assert type(m2) is cls and config_dict(m2) == config_dict(m)
    with pytest.raises(ValueError):
        m(torch.randn(2, 11, 1000), None, None, None)


def test_patchtst_is_channel_independent():
    torch.manual_seed(0)
    c = PatchTSTConfig(num_classes=2, d_model=16, n_heads=2, depth=2, d_ff=32, dropout=0.0, head_dropout=0.0)
    m = PatchTST(c).eval()
    assert c.n_patches == 125          # (1000 + 8 - 16) / 8 + 1 patches per lead
    x = torch.randn(1, 12, 1000)
    y = x.clone()
    y[0, 4] = torch.randn(1000)        # change lead 5 only
    fx = m.forward_features(x).reshape(12, 16)
    fy = m.forward_features(y).reshape(12, 16)
    changed = (fx - fy).abs().amax(dim=1) > 1e-6
    assert changed.tolist() == [i == 4 for i in range(12)]


@pytest.mark.parametrize("name", ["resnet1d_wang", "patchtst"])
def test_baselines_learn_a_separable_problem(name):
    """A few Adam steps fit 'sine in lead II or not': the harness's loss path works for the baselines."""
    torch.manual_seed(0)
    cfg = dict(num_classes=1, n_samples=128)
    if name == "patchtst":
        cfg.update(d_model=8, n_heads=2, depth=1, d_ff=16, dropout=0.0, head_dropout=0.0)
    else:
        cfg.update(inplanes=8, lin_ftrs_head=0, ps_head=0.0)
    m = build_model(name, cfg)
    x = torch.randn(16, 12, 128) * 0.3
    y = (torch.arange(16) % 2).float()[:, None]
    x[y[:, 0] == 1, 1] += torch.sin(torch.linspace(0, 20, 128))
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    for _ in range(30):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(m(x, None, None, None).logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.2
