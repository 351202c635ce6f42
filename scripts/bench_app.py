"""Time MIRAGE Review offscreen: cold start, opening another record, pan and zoom frames.

    python scripts/bench_app.py                 # bundled samples, a 2-minute record built from LUDB 1
    python scripts/bench_app.py --long REC.hea  # a real long record instead

Figures (printed as a table and, with --json, as JSON):
- cold start: process launch to the sample's traces painted (``mirage-review --quit-after-draw``),
  wall clock measured here, so interpreter start and imports are included; no model is loaded
  (``--model`` points nowhere) because the model loads in parallel and the window draws first.
- open another record: ``open_record`` call to its traces painted (read + draw, excluding
  inference and measurement, which run afterwards in workers); the second round over the
  bundled samples, each opened once the previous record's background work is done.
- pan / zoom: one synchronous repaint of the trace view after a pan step or a zoom step, on a
  10 s record and a 2-minute 500 Hz record, in the 12x1 layout and 3x4 (12x1 drew the 2 minutes
  whole, 12 full-length traces, the worst case, until session 31; it now shows a record over a
  minute a 10 s page at a time, app.views.paper.WHOLE_12X1_S). Smooth means well under 16.7 ms
  (60 frames/s).
Research use only, not a diagnosis.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cold_start(runs: int) -> tuple[list[float], list[dict]]:
    """Seconds from process launch to the default sample painted, one fresh process per run, and
    the app's own timings (its CPU seconds to that point, all threads)."""
    out, reports = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=home, XDG_CONFIG_HOME=home,
                       XDG_DATA_HOME=home)
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "app.main", "--quit-after-draw",
                                     "--model", str(Path(home) / "no-model")],
                                    cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            line = proc.stdout.readline()
            wall = time.perf_counter() - t0
            proc.wait(timeout=120)
            if not line.strip().startswith("{"):
                raise RuntimeError("mirage-review did not report a drawn record")
            out.append(wall)
            reports.append(json.loads(line))
    return out, reports


def long_record(path: str | None):
    """A 2-minute record: the given one, or LUDB record 1 (500 Hz, 10 s) repeated 12 times."""
    import numpy as np

    from mirage_model.records import EcgRecord, load_record
    from mirage_model.paths import resources_dir

    if path:
        return load_record(path)
    base = load_record(resources_dir() / "samples" / "ludb" / "1.hea")
    signal = np.tile(base.signal, (1, 12))
    return EcgRecord(signal=signal, fs=base.fs, record_id="ludb1_x12", sig_name=base.sig_name)


def frame_times(app, window, record, layout: str, steps: int = 40) -> dict:
    """ms per synchronous repaint after pan steps and zoom steps."""
    plot = window.viewer.plot
    window.viewer.layout_box.setCurrentText(layout)
    plot.set_record(record)
    app.processEvents()
    plot.reset_scale()
    plot.viewport().repaint()
    pan, zoom = [], []
    view = plot.vb.viewRect()
    step = view.width() / 10
    for i in range(steps):
        t0 = time.perf_counter()
        plot.vb.translateBy(x=step if (i // 20) % 2 == 0 else -step)
        plot.viewport().repaint()
        pan.append((time.perf_counter() - t0) * 1000)
    for i in range(steps):
        factor = [0.5, 0.25, 0.1, 0.5, 1.0, 2.0, 4.0, 1.0][i % 8]
        t0 = time.perf_counter()
        plot.set_zoom(factor)
        plot.viewport().repaint()
        zoom.append((time.perf_counter() - t0) * 1000)
    plot.reset_scale()

    def summary(v):
        v = sorted(v)
        return {"median_ms": round(statistics.median(v), 2), "p95_ms": round(v[int(0.95 * (len(v) - 1))], 2),
                "max_ms": round(v[-1], 2)}

    return {"pan": summary(pan), "zoom": summary(zoom)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--long", help="a long record to pan (default: LUDB 1 tiled to 2 minutes)")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    settings_dir = tempfile.mkdtemp()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication.instance() or QApplication([])

    from app import workers
    from app.main_window import MainWindow
    from app.settings import Settings
    from mirage_model.paths import sample_records

    results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                                 "platform": os.environ.get("QT_QPA_PLATFORM")}}
    results["load_average_before"] = [round(v, 2) for v in os.getloadavg()]
    cold, reports = cold_start(args.cold_runs)
    results["cold_start_s"] = {"runs": [round(c, 3) for c in cold], "median": round(statistics.median(cold), 3),
                               "cpu_s_to_drawn": [r.get("cpu_s_to_drawn") for r in reports]}

    window = MainWindow(Settings(), model_path=str(Path(settings_dir) / "no-model"))
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    samples = sample_records()
    opened = []
    for i, path in enumerate(samples * 2):
        if i == len(samples):
            workers.cancel_all_and_wait(120000)   # the first round's measurements finish first
        done = []
        window.recordLoaded.connect(done.append)
        t0 = time.perf_counter()
        window.open_record(path)
        while not done and time.perf_counter() - t0 < 30:
            app.processEvents()
        window.viewer.plot.viewport().repaint()
        opened.append((time.perf_counter() - t0) * 1000)
        window.recordLoaded.disconnect()
        if i >= len(samples):
            workers.cancel_all_and_wait(120000)   # opens one at a time, as a reviewer does
    warm = opened[len(samples):]       # second round: caches and imports warm, as in a session
    results["open_record_ms"] = {"first_round": [round(v, 1) for v in opened[:len(samples)]],
                                 "median": round(statistics.median(warm), 1), "max": round(max(warm), 1),
                                 "records": [p.stem for p in samples]}
    workers.cancel_all_and_wait(60000)

    from mirage_model.records import load_record
    short = load_record(samples[0]) if samples else long_record(None)
    longrec = long_record(args.long)
    results["frames"] = {}
    for name, rec in (("10s", short), (f"{longrec.duration_s:.0f}s@{longrec.fs:g}Hz", longrec)):
        for layout in ("12x1", "3x4"):
            results["frames"][f"{name} {layout}"] = frame_times(app, window, rec, layout)
    window.close()
    workers.cancel_all_and_wait(60000)

    results["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    print(f"load average (1, 5, 15 min) before {results['load_average_before']}, after {results['load_average_after']} "
          f"on {os.cpu_count()} CPUs")
    print(f"cold start to drawn sample: median {results['cold_start_s']['median']:.2f} s wall "
          f"(runs {results['cold_start_s']['runs']}; CPU s of the app to that point "
          f"{results['cold_start_s']['cpu_s_to_drawn']})")
    print(f"open another record and draw: median {results['open_record_ms']['median']:.0f} ms, "
          f"max {results['open_record_ms']['max']:.0f} ms over {len(warm)} opens")
    for key, f in results["frames"].items():
        print(f"{key:>18}: pan median {f['pan']['median_ms']:.1f} ms (p95 {f['pan']['p95_ms']:.1f}), "
              f"zoom median {f['zoom']['median_ms']:.1f} ms (p95 {f['zoom']['p95_ms']:.1f})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
