"""averaging: noise-averaged scoring, its noise bank, its storage in the checkpoint and its use.

Truth: the noise bank's spectrum and RMS measured with numpy's FFT; the averaged probability computed
by hand from the model's forward pass on each copy; the missing-sample and flat-lead rules of
``preprocess.instance_normalise``; the cached (training) path against ``Predictor`` on the same records.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers_models import make_tiny_checkpoint, synthetic_record
from helpers_training import make_folder

from mirage_model.averaging import AveragingError, NoiseAverage, average_copies, noise_bank, noisy_copies
from mirage_model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mirage_model.clinical import record_values
from mirage_model.inference import Predictor
from mirage_model.outputs import probabilities
from mirage_model.preprocess import PreprocessConfig, model_inputs
from mirage_model.records import EcgRecord, load_record
from training_cli.main import main

CFG = PreprocessConfig()


def test_the_noise_bank_has_its_rms_lies_in_the_model_band_and_is_fixed():
    avg = NoiseAverage(6, 0.05, seed=3)
    bank = noise_bank(avg, 12, 1000, CFG)
    assert bank.shape == (6, 12, 1000) and bank.dtype == np.float32
    np.testing.assert_allclose(np.sqrt((bank.astype(np.float64) ** 2).mean(-1)), 0.05, rtol=1e-4)
    spec = np.abs(np.fft.rfft(bank.astype(np.float64), axis=-1)) ** 2
    f = np.fft.rfftfreq(1000, 1 / CFG.target_fs)
    assert spec[..., f > 45].sum() < 0.01 * spec.sum()          # the model low-pass is 40 Hz
    assert spec[..., (f > 5) & (f < 30)].sum() > 0.5 * spec.sum()  # and below it the noise is white
    again = noise_bank(NoiseAverage(6, 0.05, seed=3), 12, 1000, CFG)
    np.testing.assert_array_equal(bank, again)
    assert not np.array_equal(bank, noise_bank(NoiseAverage(6, 0.05, seed=4), 12, 1000, CFG))
    with pytest.raises(ValueError):
        bank[0, 0, 0] = 1.0                                         # shared between calls: read-only


def test_copies_keep_missing_samples_and_flat_leads_and_are_normalised():
    rec = synthetic_record(10.0, 500.0, seed=1)
    sig = rec.signal.astype(np.float64)
    sig[3] = 0.2                       # a flat lead
    sig[5, :1000] = np.nan             # lead 5 misses its first 2 s
    inp = model_inputs(sig[:, :4000], 500.0, CFG)      # 8 s: the last 2 s are padding
    avg = NoiseAverage(4, 0.05, seed=0)
    out = noisy_copies(inp.signal, inp.mv, avg, CFG)
    assert out.shape == (4, 12, 1000) and np.isfinite(out).all()
    for c in range(4):
        np.testing.assert_array_equal(out[c, 3], 0.0)                # flat stays flat
        np.testing.assert_array_equal(out[c, :, 800:], 0.0)          # padding stays 0
        np.testing.assert_array_equal(out[c, 5, :200], 0.0)          # missing stays 0
        live = out[c, 0, :800]
        assert abs(live.mean()) < 1e-5 and live.std() == pytest.approx(1.0, abs=1e-4)
    # each copy is the window plus its own bank row, normalised over the present samples
    bank = noise_bank(avg, 12, 1000, CFG)
    x = inp.mv[0, 0, :800].astype(np.float64) + bank[2, 0, :800]
    np.testing.assert_allclose(out[2, 0, :800], (x - x.mean()) / x.std(), atol=1e-5)


@pytest.mark.parametrize("bad", [dict(copies=-1, sd_mv=0.1), dict(copies=2, sd_mv=0.0), dict(copies=100, sd_mv=0.1),
                                 dict(copies=2, sd_mv=float("nan")), dict(copies=2.5, sd_mv=0.1),
                                 dict(copies=2, sd_mv=0.1, seed=-1), dict(copies=True, sd_mv=0.1)])
def test_bad_settings_are_refused(bad):
    with pytest.raises(AveragingError):
        NoiseAverage(**bad)


def test_average_copies_means_each_windows_copies():
    p = np.arange(12, dtype=np.float32).reshape(6, 2)        # 2 windows x 3 copies
    np.testing.assert_allclose(average_copies(p, 3), [[2, 3], [8, 9]])
    np.testing.assert_array_equal(average_copies(p, 1), p)


def _averaged_checkpoint(tmp_path, avg):
    src = make_tiny_checkpoint(tmp_path / "src", seed=5)
    loaded = load_checkpoint(src)
    return save_checkpoint(tmp_path / "avg", loaded.model, model_type=loaded.model_type, task=loaded.task,
                           labels=loaded.labels, schema=loaded.schema, preprocess=loaded.preprocess,
                           render=loaded.render, thresholds=loaded.thresholds, name="tiny-averaged",
                           noise_average=avg)


def test_the_checkpoint_stores_the_setting_and_the_predictor_averages_the_copies(tmp_path):
    avg = NoiseAverage(5, 0.04, seed=2)
    path = _averaged_checkpoint(tmp_path, avg)
    assert json.loads((path / "config.json").read_text())["noise_average"] == avg.to_dict()
    pred = Predictor(path, device="cpu", quality=False)
    assert pred.noise_average == avg
    rec = synthetic_record(10.0, 500.0, seed=7)
    got = pred.predict(rec, {"age": 60, "sex": "F"}, explain=False).probabilities
    # by hand: the model on each copy, the mean of the probabilities
    prep = pred.prepare(rec, {"age": 60, "sex": "F"})
    copies = noisy_copies(prep.inputs.signal, prep.inputs.mv, avg, pred.preprocess_cfg)
    with torch.no_grad():
        logits = pred.model(torch.from_numpy(copies), torch.from_numpy(prep.inputs.image).float()[:, None].div(255)
                            .repeat(5, 1, 1, 1), torch.from_numpy(prep.x[None]).repeat(5, 1),
                            torch.from_numpy(prep.mask[None]).repeat(5, 1)).logits
    want = probabilities(logits, pred.task).numpy().mean(0)
    np.testing.assert_allclose(got, want, atol=1e-5)
    plain = Predictor(tmp_path / "src", device="cpu", quality=False).predict(rec, {"age": 60, "sex": "F"},
                                                                              explain=False).probabilities
    assert np.abs(got - plain).max() > 1e-4                 # it is not the single pass
    # explained, batched and single predictions agree; the explanation is still made
    ex = pred.predict(rec, {"age": 60, "sex": "F"}, explain=True)
    np.testing.assert_allclose(ex.probabilities, got, atol=1e-6)
    assert ex.explanation is not None
    batch = pred.predict_batch([rec, synthetic_record(10.0, 500.0, seed=8)], [{"age": 60, "sex": "F"}, None])
    np.testing.assert_allclose(batch[0].probabilities, got, atol=1e-6)
    # the same record scores the same each time (the noise is fixed)
    np.testing.assert_array_equal(pred.predict(rec, {"age": 60, "sex": "F"}, explain=False).probabilities, got)


def test_a_bad_setting_in_a_checkpoint_is_named(tmp_path):
    path = _averaged_checkpoint(tmp_path, NoiseAverage(2, 0.05))
    doc = json.loads((path / "config.json").read_text())
    doc["noise_average"] = {"copies": 2, "sd_mv": "loud"}
    (path / "config.json").write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match="noise_average"):
        load_checkpoint(path)


def test_calibrate_fits_on_the_averaged_scores_as_the_predictor_makes_them(tmp_path):
    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    model = make_tiny_checkpoint(tmp_path / "m", seed=1)
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(tmp_path / "cache"),
            "--workers", "1"]
    out = tmp_path / "cal"
    assert main(["calibrate", "--model", str(model), *data, "--noise-average", "4", "--noise-average-sd", "0.05",
                 "--out", str(out), "--no-progress", "--threads", "1"]) == 0
    loaded = load_checkpoint(out)
    assert loaded.noise_average == NoiseAverage(4, 0.05, 0)
    ev = tmp_path / "ev" / "metrics.json"
    assert main(["evaluate", "--model", str(out), *data, "--split", "test", "--out", str(ev),
                 "--bootstrap", "0", "--no-progress"]) == 0
    rows = (ev.parent / "predictions.csv").read_text().splitlines()
    header = rows[0].split(",")
    # the evaluation (cached inputs, float16 mV) scores each test record as the Predictor does
    pred = Predictor(out, device="cpu", quality=False)
    for line in rows[1:3]:
        cells = dict(zip(header, line.split(",")))
        rec = load_record(root / f"{cells['record_id']}.hea")
        p = pred.predict(rec, record_values(rec), explain=False).probabilities
        shown = [lab for lab in pred.labels if f"p_{lab}" in cells]      # the dataset's classes
        assert len(shown) >= 3
        got = [float(cells[f"p_{lab}"]) for lab in shown]
        np.testing.assert_allclose(got, [p[pred.labels.index(lab)] for lab in shown], atol=2e-3)
    # switching it off again, and refusing half a setting
    assert main(["calibrate", "--model", str(out), *data, "--noise-average", "0", "--out", str(tmp_path / "off"),
                 "--no-progress"]) == 0
    assert load_checkpoint(tmp_path / "off").noise_average is None
    assert main(["calibrate", "--model", str(model), *data, "--noise-average", "4", "--out", str(tmp_path / "x"),
                 "--no-progress"]) != 0
    assert not (tmp_path / "x").exists()


def test_a_checkpoint_without_the_key_scores_once(tmp_path):
    path = make_tiny_checkpoint(tmp_path / "m")
    assert load_checkpoint(path).noise_average is None
    assert "noise_average" not in json.loads((path / "config.json").read_text())
    rec = EcgRecord(signal=synthetic_record(10.0, 500.0).signal, fs=500.0, record_id="x")
    assert Predictor(path, device="cpu", quality=False).predict(rec, explain=False).probabilities.shape == (5,)


def test_smooth_noise_training_adds_inband_noise_to_the_signal_only(tmp_path):
    from training_cli.engine.augment import noisy_inputs
    from training_cli.engine.augment import NoiseConfig
    inp = model_inputs(synthetic_record(10.0, 500.0, seed=2).signal, 500.0, CFG)
    mv = np.repeat(inp.mv, 3, 0)
    none = NoiseConfig(p_wander=0.0, p_muscle=0.0, p_motion=0.0, p_mains_residue=0.0, p_gain=0.0, p_flat=0.0)
    clean_sig, clean_img = noisy_inputs(mv, np.random.default_rng(0), CFG, None, none)
    sig, img = noisy_inputs(mv, np.random.default_rng(0), CFG, None, none, smooth_mv=0.05)
    np.testing.assert_array_equal(img, clean_img)                       # the image is not touched
    # what was added, back in mV: RMS 0.05 per lead, in the model band, different per window
    std = inp.mv[0].astype(np.float64).std(-1)[None, :, None]
    added = sig.astype(np.float64) * np.sqrt(std ** 2 + 0.05 ** 2) - clean_sig * std
    rms = np.sqrt(((added - added.mean(-1, keepdims=True)) ** 2).mean(-1))
    assert np.all((rms > 0.035) & (rms < 0.065))
    assert not np.allclose(added[0], added[1], atol=1e-3)


def test_mirage_train_accepts_smooth_noise_and_records_it(tmp_path):
    from helpers_training import train_argv
    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    out = tmp_path / "run"
    assert main(["train", *train_argv(f"folder:{root}", out, tmp_path / "cache", "--smooth-noise", "0.03",
                                      "--epochs", "1", "--no-test", labels=labels)]) == 0
    assert load_checkpoint(out / "model").provenance["recipe"]["smooth_noise"] == 0.03
    assert main(["train", *train_argv(f"folder:{root}", tmp_path / "bad", tmp_path / "cache", "--smooth-noise", "-1",
                                      labels=labels)]) != 0


def test_the_model_card_says_how_the_model_scores(tmp_path):
    from training_cli.commands.export import model_card
    card = model_card(load_checkpoint(_averaged_checkpoint(tmp_path, NoiseAverage(5, 0.04, seed=2))), None, {}, "", [])
    assert "Scoring: each window's probability is the mean of 5 copies with 0.04 mV in-band noise (seed 2)" in card
    assert "Scoring:" not in model_card(load_checkpoint(tmp_path / "src"), None, {}, "", [])
