"""Explanation methods checked against independent computations (formulas, the render layout)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mirage_model.explain import (attention_rollout, explain_window, patch_sum, saliency_to_signal,
                                  scale_unit, window_samples)
from mirage_model.models.config import preset_config
from mirage_model.models.mirage import Mirage, MirageOutput
from mirage_model.preprocess import model_inputs
from mirage_model.render import RenderConfig, make_layout

from helpers_models import synthetic_record

PATCH = 16
GRID = 14


def _random_attention(rng, layers: int, heads: int, n: int) -> list[np.ndarray]:
    out = []
    for _ in range(layers):
        a = rng.random((heads, n, n)) ** 3
        out.append(a / a.sum(axis=-1, keepdims=True))
    return out


def test_scale_unit_is_finite_for_constant_input():
    assert np.array_equal(scale_unit(np.full((3, 3), 7.0)), np.zeros((3, 3)))
    assert np.array_equal(scale_unit(np.zeros(4), "max"), np.zeros(4))
    s = scale_unit(np.array([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])


def test_attention_rollout_matches_the_formula():
    rng = np.random.default_rng(0)
    grid = 4
    maps = _random_attention(rng, layers=3, heads=2, n=1 + grid * grid)
    # Abnar & Zuidema: A_hat = 0.5 A + 0.5 I (rows of A sum to 1), R = A_hat_3 A_hat_2 A_hat_1
    hats = [0.5 * m.mean(axis=0) + 0.5 * np.eye(m.shape[-1]) for m in maps]
    rollout = np.linalg.multi_dot(hats[::-1])
    cls = rollout[0, 1:]
    expected = ((cls - cls.min()) / (cls.max() - cls.min())).reshape(grid, grid)
    got = attention_rollout(maps, grid)
    assert got.shape == (grid, grid)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert got.min() == 0.0 and got.max() == pytest.approx(1.0)


def test_attention_rollout_follows_a_single_attended_patch():
    grid, n = 3, 10
    a = np.full((n, n), 1.0 / n)
    a[0] = 0.0
    a[0, 5] = 1.0                       # CLS looks only at patch 4 (token 5)
    got = attention_rollout([a[None], a[None]], grid)
    assert np.unravel_index(np.argmax(got), got.shape) == np.unravel_index(4, (grid, grid))


def test_patch_sum_sums_blocks():
    x = np.arange(16 * 16, dtype=float).reshape(16, 16)
    got = patch_sum(x, 4)
    assert got.shape == (4, 4)
    assert got[1, 2] == x[4:8, 8:12].sum()
    assert got.sum() == x.sum()


def _expected_signal_value(layout, sal: np.ndarray, lead: int, t: float) -> float:
    """Independent mapping: pixel-level upsampling of the patch grid, averaged over the panel's
    pixel rows at the column ``layout.to_pixel`` gives; the larger of the grid panel and the
    rhythm strip for lead II; 0 where the page does not show (lead, t)."""
    sal_px = np.kron(sal, np.ones((PATCH, PATCH)))                      # (224, 224)
    views = [False, True] if lead == 1 else [False]
    best = 0.0
    for rhythm in views:
        panel = layout.rhythm_panel if rhythm else layout.panels[lead]
        if not panel.t0 <= t < panel.t1:
            continue
        x, _ = layout.to_pixel(lead, t, rhythm=rhythm)
        rows = np.arange(layout.height)
        inside = (rows + 0.5 >= panel.y0) & (rows + 0.5 < panel.y1)
        best = max(best, float(sal_px[inside, int(np.floor(x))].mean()))
    return best


def test_saliency_to_signal_agrees_with_the_patch_grid_through_the_layout():
    layout = make_layout(224, 224, RenderConfig())
    rng = np.random.default_rng(1)
    sal = rng.random((GRID, GRID))
    fs, n = 500.0, 5000
    got = saliency_to_signal(sal, layout, n, fs)
    assert got.shape == (12, n) and got.dtype == np.float32
    for lead in range(12):
        for k in range(0, n, 37):
            assert got[lead, k] == pytest.approx(_expected_signal_value(layout, sal, lead, k / fs), abs=1e-6), \
                (lead, k)


def test_saliency_to_signal_one_hot_patch_lights_only_its_samples():
    layout = make_layout(224, 224, RenderConfig())
    sal = np.zeros((GRID, GRID))
    sal[2, 5] = 1.0                     # row 2 = pixels 32..48: inside the first panel row (0..56)
    fs, n = 100.0, 1000
    got = saliency_to_signal(sal, layout, n, fs)
    lit = np.argwhere(got > 0)
    assert len(lit) > 0
    for lead, k in lit:
        x, _ = layout.to_pixel(int(lead), k / fs)
        assert int(x // PATCH) == 5
    # the first grid row holds I, aVR, V1, V4; patch column 5 (x 80..96) is in the second column: aVR
    assert set(lit[:, 0]) == {3}
    np.testing.assert_allclose(got[3][got[3] > 0], 16 / 56)   # the patch covers 16 of the panel's 56 rows


def test_saliency_to_signal_uses_the_window_offset():
    layout = make_layout(224, 224, RenderConfig())
    sal = np.ones((GRID, GRID))
    fs, n, start = 100.0, 3000, 12.5
    got = saliency_to_signal(sal, layout, n, fs, start_s=start)
    t = np.arange(n) / fs
    outside = (t < start) | (t >= start + 10)
    assert np.all(got[:, outside] == 0)
    # uniform saliency: every lead is 1 during its own 2.5 s slice; lead II all the window (rhythm strip)
    assert np.all(got[1, ~outside] == 1)
    lead_i = (t >= start) & (t < start + 2.5)
    assert np.all(got[0, lead_i] == 1) and np.all(got[0, ~lead_i] == 0)


class _LinearLeads(nn.Module):
    """logit_k = sum_l W[k, l] * sum_t x[l, t]; the image and clinical values are unused."""

    def __init__(self, w: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(w, requires_grad=False)

    def forward(self, signal, image, clinical, clinical_mask, need_weights=False):
        return MirageOutput(logits=signal.sum(-1) @ self.w.T)


def test_lead_importance_is_gradient_times_input_of_the_predicted_logits():
    rng = np.random.default_rng(2)
    w = torch.tensor(rng.standard_normal((3, 12)), dtype=torch.float32)
    x = torch.tensor(rng.standard_normal((1, 12, 50)), dtype=torch.float32)
    model = _LinearLeads(w)
    img = torch.ones(1, 1, 224, 224)
    c = torch.zeros(1, 0)
    for predicted in ([1], [0, 2]):
        ew = explain_window(model, x, img, c, c, predicted)
        # d(sum_k logit_k)/dx[l, t] = sum_k W[k, l]: contribution |sum_k W[k, l] * x[l, t]| summed over t
        wl = w[predicted].sum(0).numpy()
        contrib = np.abs(wl[:, None] * x[0].numpy()).sum(-1)
        np.testing.assert_allclose(ew.explanation.lead_importance, contrib / contrib.sum(), rtol=1e-5)
        assert ew.predicted == tuple(predicted)
    e = ew.explanation
    assert e.patch_gradient is None and e.patch_rollout is None and e.signal_saliency is None
    assert e.lead_bias is None and e.lead_attention is None
    assert set(e.methods) == {"lead_importance"}
    np.testing.assert_allclose(ew.logits, (x.sum(-1) @ w.T)[0].numpy(), rtol=1e-5)


def test_lead_importance_targets_come_from_thresholds_when_not_given():
    w = torch.zeros(2, 12)
    w[0, 3] = 1.0
    w[1, 7] = -1.0
    x = torch.ones(1, 12, 10)           # logits (10, -10): only class 0 passes 0.5
    ew = explain_window(_LinearLeads(w), x, torch.ones(1, 1, 8, 8), torch.zeros(1, 0), torch.zeros(1, 0),
                        None, thresholds=[0.5, 0.5])
    assert ew.predicted == (0,)
    assert ew.explanation.lead_importance[3] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def tiny_mirage():
    torch.manual_seed(0)
    return Mirage(preset_config("tiny", num_classes=5, n_clinical=4)).eval().requires_grad_(False)


def _window_inputs():
    """A 10 s synthetic record at 500 Hz as the model takes it: its ``model_inputs``, the signal (1, 12, T)
    and image (1, 1, 224, 224) tensors, zero clinical values (1, 4) and the page layout."""
    rec = synthetic_record(10, 500)
    inp = model_inputs(rec.signal, rec.fs)
    sig = torch.from_numpy(inp.signal)
    img = torch.from_numpy(inp.image).float().div(255).unsqueeze(1)
    return inp, sig, img, torch.zeros(1, 4), make_layout(224, 224, RenderConfig())


def test_mirage_explanation_shapes_and_blank_patches(tiny_mirage):
    inp, sig, img, c, layout = _window_inputs()
    ew = explain_window(tiny_mirage, sig, img, c, c, None, layout=layout, n_samples=5000, fs=500.0)
    e = ew.explanation
    assert e.lead_bias.shape == (12, 12) and e.lead_attention.shape == (12, 12)
    np.testing.assert_allclose(e.lead_attention.sum(1), 1.0, rtol=1e-5)
    assert e.lead_importance.shape == (12,) and e.lead_importance.sum() == pytest.approx(1.0, abs=1e-5)
    assert np.all(e.lead_importance >= 0)
    for grid_map in (e.patch_rollout, e.patch_gradient):
        assert grid_map.shape == (GRID, GRID)
        assert grid_map.min() >= 0 and grid_map.max() == pytest.approx(1.0)
    # gradient x (input - blank page): a patch with no ink cannot matter
    ink = patch_sum(255 - inp.image[0].astype(float), GRID)
    assert (ink == 0).any() and (ink > 0).any()
    assert np.all(e.patch_gradient[ink == 0] == 0)
    assert e.signal_saliency.shape == (12, 5000) and e.signal_gradient.shape == (12, 5000)
    assert set(e.methods) == {"lead_bias", "lead_attention", "lead_importance", "patch_rollout",
                              "patch_gradient", "signal_saliency", "signal_gradient"}
    # the explanation pass returns the same logits as a plain forward pass
    with torch.no_grad():
        plain = tiny_mirage(sig, img, c, c).logits[0].numpy()
    np.testing.assert_allclose(ew.logits, plain, atol=1e-5)


def test_saliency_to_signal_maps_alike_through_the_windows_own_layout():
    """The layout of the rendered window itself (``make_layout(..., start_s)``, panels in record
    time) gave a saliency of 0 everywhere: its times were compared with times within the window.
    A one-hot patch (row 1, column 5 of 8 over 224 px: x 140-168, the V1 column of the top row)
    lights lead V1 from 1.25 s into its 2.5 s slice, 16.25-17.5 s of a window at 10 s."""
    grid, fs, n, start = 8, 100.0, 2500, 10.0
    sal = np.zeros((grid, grid))
    sal[1, 5] = 1.0
    t = np.arange(n) / fs
    for layout in (make_layout(224, 224, RenderConfig()), make_layout(224, 224, RenderConfig(), start_s=start)):
        got = saliency_to_signal(sal, layout, n, fs, start_s=start)
        lit = (t >= 16.25 - 1e-9) & (t < 17.5 - 1e-9)
        assert np.all(got[6, lit] == 0.5)        # the patch covers half of the row's height
        assert np.all(got[6, ~lit] == 0) and np.all(np.delete(got, 6, axis=0) == 0)


def test_explaining_a_window_of_a_long_record_keeps_that_windows_samples_only(tiny_mirage):
    """The signal maps of a window of a long record spanned the whole record, 0 outside the window
    (173 MB for the two maps of 1 h of 12 leads at 500 Hz). They hold the window's samples now,
    (12, T_w) from record sample ``signal_start``, with each sample's value the independent
    pixel-level mapping gives; ``signal_map`` reads any record samples, 0 outside the map."""
    inp, sig, img, c, layout = _window_inputs()
    fs, n, start = 500.0, 3600 * 500, 1914.67          # a window of a 1 h record, between samples
    e = explain_window(tiny_mirage, sig, img, c, c, None, layout=layout, n_samples=n, fs=fs,
                       start_s=start).explanation
    first = int(np.ceil(start * fs))                    # the window's first sample: 957335
    assert e.signal_start in (first - 1, first)
    T_w = e.signal_saliency.shape[1]
    assert e.signal_saliency.shape == e.signal_gradient.shape == (12, T_w)
    assert 5000 <= T_w <= 5002 and e.signal_start + T_w >= first + 5000
    for key, grid_map in (("signal_saliency", e.patch_rollout), ("signal_gradient", e.patch_gradient)):
        sal = np.asarray(grid_map, dtype=np.float64)
        for lead in range(12):
            for k in range(e.signal_start, e.signal_start + T_w, 97):
                want = _expected_signal_value(layout, sal, lead, k / fs - start)
                assert getattr(e, key)[lead, k - e.signal_start] == pytest.approx(want, abs=1e-6), (key, lead, k)
    # read back by record sample: the map where it reaches, 0 before and after
    got = e.signal_map("signal_saliency", 1, e.signal_start - 10, e.signal_start + T_w + 10)
    assert got.shape == (T_w + 20,)
    assert not got[:10].any() and not got[-10:].any()
    np.testing.assert_array_equal(got[10:-10], e.signal_saliency[1])
    assert e.signal_map("signal_saliency", 1, 0, 1000).tolist() == [0.0] * 1000


def test_a_ten_second_record_keeps_all_its_samples():
    """A record no longer than its one window keeps the map of every sample (``window_samples``
    stops at the record's ends)."""
    layout = make_layout(224, 224, RenderConfig())
    assert window_samples(layout, 5000, 500.0) == (0, 5000)
    assert window_samples(layout, 3000, 500.0) == (0, 3000)        # shorter: padded flat on the image
    assert window_samples(layout, 20000, 500.0, start_s=10.0) == (4999, 10001)
