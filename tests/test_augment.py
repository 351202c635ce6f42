"""Training augmentation (``training_cli.engine.augment``) against plain numpy indexing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from training_cli.engine.augment import AugmentConfig, augment_batch, shift_signal, translate_images


def test_shift_signal_matches_numpy_roll():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 12, 50)).astype(np.float32)
    shifts = np.array([0, 1, 49, 17, 25])
    out = shift_signal(torch.from_numpy(x), torch.from_numpy(shifts)).numpy()
    for b in range(5):
        np.testing.assert_array_equal(out[b], np.roll(x[b], shifts[b], axis=-1))


def test_translate_images_matches_a_loop():
    rng = np.random.default_rng(1)
    img = rng.random((4, 1, 20, 24)).astype(np.float32)
    dx, dy = np.array([0, 3, -5, 2]), np.array([0, -2, 4, 5])
    out = translate_images(torch.from_numpy(img), torch.from_numpy(dx), torch.from_numpy(dy), fill=1.0).numpy()
    for b in range(4):
        want = np.ones((20, 24), np.float32)
        for y in range(20):
            for x in range(24):
                ys, xs = y - dy[b], x - dx[b]
                if 0 <= ys < 20 and 0 <= xs < 24:
                    want[y, x] = img[b, 0, ys, xs]
        np.testing.assert_array_equal(out[b, 0], want)


def test_augment_batch_shapes_bounds_and_seeding():
    rng = np.random.default_rng(2)
    sig = torch.from_numpy(rng.standard_normal((8, 12, 100)).astype(np.float32))
    img = torch.from_numpy(rng.random((8, 1, 32, 32)).astype(np.float32))
    torch.manual_seed(3)
    s1, i1 = augment_batch(sig, img, AugmentConfig(max_shift=10, noise=0.0, max_px=2))
    torch.manual_seed(3)
    s2, i2 = augment_batch(sig, img, AugmentConfig(max_shift=10, noise=0.0, max_px=2))
    assert torch.equal(s1, s2) and torch.equal(i1, i2)                 # the global generator decides
    assert s1.shape == sig.shape and i1.shape == img.shape and s1.dtype == sig.dtype
    for b in range(8):                                                 # each record: one shift within +-10
        found = [k for k in range(-10, 11) if np.array_equal(s1[b].numpy(), np.roll(sig[b].numpy(), k, -1))]
        assert found, b
    assert not torch.equal(s1, sig)
    noisy, same = augment_batch(sig, None, AugmentConfig(max_shift=1, noise=0.1, max_px=0))
    assert same is None
    resid = [min(float((noisy[b] - torch.roll(sig[b], k, -1)).std()) for k in (-1, 0, 1)) for b in range(8)]
    assert np.allclose(resid, 0.1, atol=0.01)                          # the noise has the asked std


@pytest.mark.parametrize("max_shift", [0, 3])
def test_augment_keeps_records_apart(max_shift):
    """A batch's records are transformed one by one: record b's output depends on record b only."""
    sig = torch.zeros(3, 12, 40)
    sig[1] = 1.0
    torch.manual_seed(0)
    s, _ = augment_batch(sig, None, AugmentConfig(max_shift=max_shift, noise=0.0, max_px=0))
    assert torch.equal(s[1], torch.ones(12, 40)) and torch.equal(s[0], torch.zeros(12, 40))


# ---------------------------------------------------------------- recording faults (--noise)

def _mv(seed=0, B=4):
    from mirage_model.preprocess import filtered_resampled

    rng = np.random.default_rng(seed)
    t = np.arange(5000) / 500.0
    beats = sum(np.exp(-0.5 * ((t - b) / 0.015) ** 2) for b in np.arange(0.3, 10, 0.85))
    x = beats[None] * rng.uniform(0.3, 1.5, size=(12, 1))
    return np.stack([filtered_resampled(x * (1 + 0.1 * b), 500.0) for b in range(B)])


def test_faults_off_leave_the_window_alone():
    from training_cli.engine.augment import NoiseConfig, batch_faults

    off = NoiseConfig(p_wander=0, p_muscle=0, p_motion=0, p_mains_residue=0, p_gain=0, p_flat=0)
    mv = _mv()
    np.testing.assert_array_equal(batch_faults(mv, 100.0, np.random.default_rng(0), off), mv)


def test_wander_is_slow_and_filtered_like_the_signal():
    # Only wander: what was added has its energy below 2 Hz, and went through the model's 0.5 Hz
    # high-pass (the mean of a 10 s window of it is near zero, as filtering a real recording gives).
    from training_cli.engine.augment import NoiseConfig, batch_faults

    cfg = NoiseConfig(p_wander=1, p_muscle=0, p_motion=0, p_mains_residue=0, p_gain=0, p_flat=0, wander_mv=0.8)
    mv = _mv()
    added = batch_faults(mv, 100.0, np.random.default_rng(1), cfg) - mv
    spec = np.abs(np.fft.rfft(added, axis=-1)) ** 2
    f = np.fft.rfftfreq(added.shape[-1], 1 / 100.0)
    assert spec[..., f < 2.0].sum() > 0.9 * spec.sum()
    assert np.abs(added).max() > 0.01


def test_gain_and_flat_leads():
    from training_cli.engine.augment import NoiseConfig, batch_faults

    mv = _mv()
    gain = NoiseConfig(p_wander=0, p_muscle=0, p_motion=0, p_mains_residue=0, p_gain=1, p_flat=0)
    out = batch_faults(mv, 100.0, np.random.default_rng(2), gain)
    ratio = out[..., 300] / mv[..., 300]
    assert np.all((ratio > 1 / 1.25 * 0.9 - 1e-9) & (ratio < 1.25 * 1.1 + 1e-9))
    flat = NoiseConfig(p_wander=0, p_muscle=0, p_motion=0, p_mains_residue=0, p_gain=0, p_flat=1)
    out = batch_faults(mv, 100.0, np.random.default_rng(3), flat)
    zero = (np.abs(out).max(-1) == 0).sum(-1)
    assert np.all((zero >= 1) & (zero <= 2))


def test_faults_go_through_the_wavelet_shrinkage_when_the_preprocessing_has_it():
    # the shrinkage is not linear: a faulty window must be the shrinkage of (window + filtered fault),
    # as the real path shrinks a noisy recording; a window without a fault is left as it was
    from mirage_model.preprocess import PreprocessConfig, design_filter, model_lowpass, wavelet_denoise, zero_phase
    from training_cli.engine.augment import NoiseConfig, batch_faults

    pcfg = PreprocessConfig(denoise_k=3.7, denoise_floor_mv=0.02)
    mv = _mv(B=4)
    muscle = NoiseConfig(p_wander=0, p_muscle=1, p_motion=0, p_mains_residue=0, p_gain=0, p_flat=0, muscle_mv=0.1)
    out = batch_faults(mv, 100.0, np.random.default_rng(6), muscle, pcfg)
    # the same draws, no shrinkage
    plain = batch_faults(mv, 100.0, np.random.default_rng(6), muscle, PreprocessConfig(denoise_k=0.0))
    for b in range(4):
        np.testing.assert_allclose(out[b], wavelet_denoise(plain[b], pcfg), atol=1e-9)
    assert np.sqrt(((out - mv) ** 2).mean()) < 0.7 * np.sqrt(((plain - mv) ** 2).mean())
    off = NoiseConfig(p_wander=0, p_muscle=0, p_motion=0, p_mains_residue=0, p_gain=0, p_flat=0)
    np.testing.assert_array_equal(batch_faults(mv, 100.0, np.random.default_rng(0), off, pcfg), mv)


def test_preserving_marks_records_without_gain_change_or_missing_lead():
    from training_cli.engine.augment import NoiseConfig, batch_faults

    mv = _mv(B=6)
    for cfg, want in [
        (NoiseConfig(p_wander=1, p_muscle=1, p_motion=1, p_mains_residue=1, p_gain=0, p_flat=0), True),
        (NoiseConfig(p_wander=0, p_muscle=0, p_motion=0, p_mains_residue=0, p_gain=1, p_flat=0), False),
        (NoiseConfig(p_wander=1, p_muscle=0, p_motion=0, p_mains_residue=0, p_gain=0, p_flat=1), False),
    ]:
        kept: list = []
        out = batch_faults(mv, 100.0, np.random.default_rng(4), cfg, preserving=kept)
        assert kept[0].shape == (6,) and kept[0].dtype == bool and np.all(kept[0] == want)
        np.testing.assert_array_equal(out, batch_faults(mv, 100.0, np.random.default_rng(4), cfg))  # same draws
    mixed: list = []
    cfg = NoiseConfig(p_wander=0, p_muscle=0, p_motion=0, p_mains_residue=0, p_gain=0.5, p_flat=0)
    out = batch_faults(mv, 100.0, np.random.default_rng(5), cfg, preserving=mixed)
    untouched = np.all(out == mv, axis=(1, 2))          # no gain drawn: the window is as it was
    np.testing.assert_array_equal(mixed[0], untouched)


def test_muscle_noise_copy_carries_only_noise():
    from mirage_model.preprocess import instance_normalise
    from training_cli.engine.augment import NoiseConfig, batch_faults, muscle_noise_inputs

    mv = _mv(B=4)
    signal, image = muscle_noise_inputs(mv, np.random.default_rng(9))
    only = NoiseConfig(p_wander=0, p_muscle=1, p_motion=0, p_mains_residue=0, p_gain=0, p_flat=0)
    faulty = batch_faults(mv, 100.0, np.random.default_rng(9), only)
    np.testing.assert_allclose(signal, instance_normalise(faulty), atol=1e-6)
    added = faulty - mv
    assert np.all(np.abs(added).reshape(4, -1).max(1) > 0)            # every record, none left clean
    assert np.all(added.std(-1) < NoiseConfig().muscle_mv)               # no wander, no gain: small and zero-mean
    assert image.shape[0] == 4


def test_noisy_inputs_are_the_one_path_applied_to_the_faulty_window():
    from mirage_model.preprocess import instance_normalise
    from mirage_model.render import render_ecg
    from training_cli.engine.augment import batch_faults, noisy_inputs

    mv = _mv(B=3)
    signal, image = noisy_inputs(mv, np.random.default_rng(7))
    faulty = batch_faults(mv, 100.0, np.random.default_rng(7))
    np.testing.assert_allclose(signal, instance_normalise(faulty), atol=1e-6)
    for b in range(3):
        np.testing.assert_array_equal(image[b], render_ecg(faulty[b].astype(np.float32), 100.0).image)


def test_consistency_loss_is_the_kl_from_the_clean_prediction():
    from training_cli.engine.augment import consistency_loss

    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((6, 5)), rng.standard_normal((6, 5))
    p, q = 1 / (1 + np.exp(-b)), 1 / (1 + np.exp(-a))            # clean (target) and faulty
    want = np.mean(p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)))
    got = consistency_loss(torch.from_numpy(a), torch.from_numpy(b)).item()
    assert got == pytest.approx(want, rel=1e-9)
    assert consistency_loss(torch.from_numpy(b), torch.from_numpy(b)).item() == pytest.approx(0.0, abs=1e-12)
    ps = np.exp(b) / np.exp(b).sum(1, keepdims=True)
    qs = np.exp(a) / np.exp(a).sum(1, keepdims=True)
    want_mc = np.mean(np.sum(ps * np.log(ps / qs), axis=1))
    assert consistency_loss(torch.from_numpy(a), torch.from_numpy(b), "multiclass").item() == pytest.approx(want_mc)
    # a mask averages over the records it keeps only; none kept: zero
    keep = np.array([True, False, True, False, False, True])
    want_masked = np.mean((p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))).mean(1)[keep])
    got = consistency_loss(torch.from_numpy(a), torch.from_numpy(b), mask=torch.from_numpy(keep)).item()
    assert got == pytest.approx(want_masked, rel=1e-9)
    assert consistency_loss(torch.from_numpy(a), torch.from_numpy(b), mask=torch.zeros(6, dtype=torch.bool)).item() == 0
    want_mc_masked = np.sum(ps * np.log(ps / qs), axis=1)[keep].mean()
    got = consistency_loss(torch.from_numpy(a), torch.from_numpy(b), "multiclass", torch.from_numpy(keep)).item()
    assert got == pytest.approx(want_mc_masked)
    # the clean side is a fixed target: no gradient reaches it
    ta, tb = torch.from_numpy(a).requires_grad_(), torch.from_numpy(b).requires_grad_()
    consistency_loss(ta, tb).backward()
    assert tb.grad is None and ta.grad.abs().sum() > 0
