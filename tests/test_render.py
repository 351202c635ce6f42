"""render: the 3x4 + rhythm layout, pixel <-> (lead, time) mapping, trace placement, grid, speed.

Expected pixel positions are computed here from the physical formulas (10 s across the width,
mv_range per row), not taken from the renderer.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from mirage_model.render import (
    EcgLayout, Panel, RenderConfig, make_layout, panel_traces, polyline_segments, render_ecg,
)

FS = 100.0
W = H = 224
PX_PER_S = W / 10.0                 # 22.4
PX_PER_MV = (H / 4) / 3.0           # 18.67 (row height 56 px spans mv_range = 3 mV)
# Standard paper: row r, column c -> lead
GRID = {(0, 0): 0, (0, 1): 3, (0, 2): 6, (0, 3): 9,
        (1, 0): 1, (1, 1): 4, (1, 2): 7, (1, 3): 10,
        (2, 0): 2, (2, 1): 5, (2, 2): 8, (2, 3): 11}


def blank(fs: float = FS, dur: float = 10.0) -> np.ndarray:
    return np.zeros((12, int(round(fs * dur))))


def dark(img: np.ndarray, level: int = 128) -> np.ndarray:
    return img < level


def box(r: int, c: int) -> tuple[slice, slice]:
    """Pixel rows/cols of grid panel (r, c); r = 3 is the rhythm strip (all columns)."""
    rows = slice(r * 56, (r + 1) * 56)
    cols = slice(0, W) if r == 3 else slice(c * 56, (c + 1) * 56)
    return rows, cols


# ---------------------------------------------------------------- layout

def test_layout_geometry_is_physical_and_shared():
    lay = make_layout(W, H, RenderConfig())
    assert lay.px_per_s == pytest.approx(PX_PER_S)
    assert lay.px_per_mv == pytest.approx(PX_PER_MV)
    assert lay.mv_per_px == pytest.approx(1 / PX_PER_MV)
    assert len(lay.panels) == 13
    for (r, c), lead in GRID.items():
        p = lay.panels[lead]
        assert p.lead == lead and not p.rhythm
        assert (p.t0, p.t1) == (2.5 * c, 2.5 * (c + 1))
        assert (p.x0, p.x1, p.y0, p.y1) == (56 * c, 56 * (c + 1), 56 * r, 56 * (r + 1))
        assert p.x1 - p.x0 == pytest.approx((p.t1 - p.t0) * lay.px_per_s)   # time linear, same scale
    rh = lay.panels[12]
    assert rh.rhythm and rh.lead == 1 and (rh.t0, rh.t1) == (0.0, 10.0)
    assert (rh.x0, rh.x1, rh.y0, rh.y1) == (0, W, 168, H)


def test_grid_rows_is_standard_paper():
    from mirage_model.render import GRID_ROWS, grid_rows

    # I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6, written out by hand
    assert GRID_ROWS == ((0, 3, 6, 9), (1, 4, 7, 10), (2, 5, 8, 11))
    assert grid_rows(2) == ((0, 6), (1, 7), (2, 8), (3, 9), (4, 10), (5, 11))
    assert grid_rows(1) == tuple((i,) for i in range(12))
    with pytest.raises(ValueError, match="5 equal columns"):
        grid_rows(5)


def test_high_res_preset_is_true_paper_scale():
    cfg = RenderConfig.high_res()
    lay = make_layout(cfg.width, cfg.height, cfg)
    # 25 mm/s and 10 mm/mV at the same px per mm: the 1 mm grid is square.
    assert lay.px_per_s / 25 == pytest.approx(lay.px_per_mv / 10) == pytest.approx(8.0)


def test_to_lead_time_and_to_pixel_round_trip():
    lay = make_layout(W, H, RenderConfig())
    for lead in range(12):
        p = lay.panels[lead]
        for t in np.linspace(p.t0, p.t1, 7, endpoint=False):
            for mv in (-1.2, 0.0, 0.9):
                x, y = lay.to_pixel(lead, t, mv)
                assert lay.to_lead_time(x, y) == (lead, pytest.approx(t))
                assert lay.to_mv(x, y) == pytest.approx(mv)
    for t in np.linspace(0, 10, 41, endpoint=False):
        x, y = lay.to_pixel(1, t, 0.3, rhythm=True)
        assert y >= 168
        assert lay.to_lead_time(x, y) == (1, pytest.approx(t))


def test_mapping_at_panel_boundaries_and_outside():
    lay = make_layout(W, H, RenderConfig())
    assert lay.to_lead_time(55.999, 10) == (0, pytest.approx(55.999 / PX_PER_S))   # still lead I
    assert lay.to_lead_time(56.0, 10) == (3, pytest.approx(2.5))                   # aVR starts at 2.5 s
    assert lay.to_lead_time(56.0, 56.0) == (4, pytest.approx(2.5))                 # aVL: row 1
    assert lay.to_lead_time(223.9, 167.9) == (11, pytest.approx(7.5 + 55.9 / PX_PER_S))
    assert lay.to_lead_time(0.0, 168.0) == (1, 0.0)                                # rhythm strip: lead II
    assert lay.to_lead_time(200.0, 200.0) == (1, pytest.approx(200 / PX_PER_S))
    for x, y in ((-0.01, 10), (224.0, 10), (10, -0.5), (10, 224.0), (1e6, 1e6)):
        assert lay.to_lead_time(x, y) is None
        assert lay.to_mv(x, y) is None


def test_to_pixel_rejects_times_not_on_the_page():
    lay = make_layout(W, H, RenderConfig())
    with pytest.raises(ValueError, match="aVR"):
        lay.to_pixel(3, 1.0)                    # aVR is drawn for 2.5-5 s only
    with pytest.raises(ValueError, match="rhythm"):
        lay.to_pixel(0, 1.0, rhythm=True)
    with pytest.raises(ValueError):
        lay.to_pixel(12, 1.0)
    with pytest.raises(ValueError):
        lay.to_pixel(1, 10.0, rhythm=True)
    x, y = lay.to_pixel(1, 6.0)                 # lead II after 2.5 s: the rhythm strip
    assert y >= 168 and x == pytest.approx(6.0 * PX_PER_S)


def test_lead_time_map_agrees_with_to_lead_time():
    lay = make_layout(W, H, RenderConfig())
    lead, t = lay.lead_time_map()
    assert lead.shape == t.shape == (H, W) and (lead >= 0).all()
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, 224, size=(200, 2)):
        assert lay.to_lead_time(j + 0.5, i + 0.5) == (lead[i, j], pytest.approx(t[i, j]))


def test_start_s_shifts_the_page_in_record_time():
    fs = 500.0
    x = np.zeros((12, int(30 * fs)))
    x[0, int(21.0 * fs):int(21.02 * fs)] = 1.0               # spike in lead I at 21 s
    page = render_ecg(x, fs, RenderConfig(), start_s=20.0)
    lay = page.layout
    assert lay.panels[0].t0 == 20.0 and lay.to_lead_time(0.5, 5) == (0, pytest.approx(20.0 + 0.5 / PX_PER_S))
    cols = np.flatnonzero(dark(page.image[:56, :56]).sum(axis=0) > 3)
    assert cols.min() == int(1.0 * PX_PER_S)


# ---------------------------------------------------------------- traces land where the formula says

def test_step_and_sine_land_on_predicted_rows():
    x = blank()
    t = np.arange(1000) / FS
    x[0] = np.where(t >= 1.0, 1.0, 0.0)                      # lead I: 0 mV then +1 mV from 1 s
    x[8] = 0.8 * np.sin(2 * np.pi * 0.4 * t)                 # lead V3 (row 2, column 2), slow sine
    img = render_ecg(x, FS).image
    # Lead I, panel (0, 0): baseline y = 28, +1 mV at y = 28 - 18.67.
    for col in range(0, 56):
        tc = (col + 0.5) / PX_PER_S
        if abs(tc - 1.0) < 0.1:
            continue
        rows = np.flatnonzero(dark(img[:56, col]))
        expected = 28.0 - (1.0 if tc > 1.0 else 0.0) * PX_PER_MV
        assert rows.size and abs(rows.mean() - expected) <= 1.0, (col, rows, expected)
    # V3, panel (2, 2): y = 140 - 0.8 sin(2 pi 0.4 t) * px_per_mv; darkest rows per pixel column.
    for col in range(112, 168):
        tc = (col + 0.5) / PX_PER_S                           # column 2 starts at 5.0 s = pixel 112
        expected = 140.0 - 0.8 * np.sin(2 * np.pi * 0.4 * tc) * PX_PER_MV
        rows = np.flatnonzero(dark(img[112:168, col])) + 112
        assert rows.size and abs(rows.mean() - expected) <= 1.5, (col, rows, expected)


def test_zero_leads_draw_only_their_baseline_and_nan_leads_are_blank():
    x = blank()
    x[6:] = np.nan                                            # precordial leads missing
    img = render_ecg(x, FS).image
    for (r, c), lead in GRID.items():
        rows, cols = box(r, c)
        panel = dark(img[rows, cols])
        if lead >= 6:
            assert not panel.any(), f"lead {lead} should be blank"
        else:
            dark_rows = np.flatnonzero(panel.any(axis=1)) + rows.start
            assert dark_rows.tolist() == [r * 56 + 28]        # the 0 mV baseline only
            assert panel[28].sum() >= 54                      # drawn across (nearly) the whole panel


def test_gap_in_a_lead_leaves_a_gap_in_its_trace():
    x = blank()
    x[0, 100:150] = np.nan                                    # lead I missing 1.0-1.5 s
    img = render_ecg(x, FS).image
    drawn_cols = dark(img[:56, :56]).any(axis=0)
    gap = [c for c in range(56) if 1.0 + 0.05 < (c + 0.5) / PX_PER_S < 1.5 - 0.05]
    assert gap and not drawn_cols[gap].any()
    assert drawn_cols[:20].all() and drawn_cols[36:].all()


@pytest.mark.parametrize("lead, t, where", [
    (None, 6.0, {(0, 2), (1, 2), (2, 2), (3, 0)}),   # every lead: column 5-7.5 s of each row, and the strip
    (0, 6.0, set()),                                 # lead I is drawn for 0-2.5 s only
    (0, 1.0, {(0, 0)}),
    (1, 6.0, {(3, 0)}),                              # lead II at 6 s: rhythm strip only
    (1, 1.0, {(1, 0), (3, 0)}),
    (10, 8.0, {(1, 3)}),                             # V5 in row 1, column 7.5-10 s
])
def test_marker_spike_appears_only_in_the_panels_showing_that_time(lead, t, where):
    x = blank()
    k = int(t * FS)
    leads = slice(None) if lead is None else lead
    x[leads, k:k + 3] = 1.2                                   # 30 ms, 1.2 mV (~22 px tall)
    img = render_ecg(x, FS).image
    found = set()
    for (r, c) in list(GRID) + [(3, 0)]:
        rows, cols = box(r, c)
        # a spike: dark pixels more than 0.5 mV above the baseline
        top = slice(rows.start, rows.start + int(28 - 0.5 * PX_PER_MV))
        hits = np.flatnonzero(dark(img[top, cols]).any(axis=0)) + cols.start
        if hits.size:
            found.add((r, c))
            assert np.abs(hits - t * PX_PER_S).max() <= 2      # at the spike's time, nowhere else
    assert found == where


def test_raster_draws_the_vector_geometry():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.standard_normal((12, 1000)), axis=1) * 0.05
    rendered = render_ecg(x, FS)
    traces = panel_traces(x, FS, rendered.layout)
    assert [p for p, _, _ in traces] == list(rendered.layout.panels)
    for p, xs, ys in traces:
        assert len(xs) == len(ys) == int(round((p.t1 - p.t0) * FS))
        assert np.all(np.diff(xs) > 0) and xs[0] == p.x0
        inside = (ys >= 0) & (ys < H)
        assert rendered.image[ys[inside].astype(int), xs[inside].astype(int)].max() < 128   # every vertex is inked


def test_tall_complexes_overlap_the_next_row_but_stay_in_the_image():
    x = blank()
    x[0, 50:53] = 5.0                                         # 5 mV: past its 3 mV row
    rendered = render_ecg(x, FS)
    _, xs, ys = panel_traces(x, FS, rendered.layout)[0]
    assert ys.min() == 0.0                                    # clamped at the image top
    x[0, 50:53] = -3.0                                        # -3 mV reaches into row 1
    img = render_ecg(x, FS).image
    assert dark(img[56:86, 10:14]).any()


def test_polyline_segments_split_at_nan():
    xs = np.arange(8.0)
    ys = np.array([1, 2, np.nan, np.nan, 3, np.nan, 4, 5.0])
    segs = polyline_segments(xs, ys)
    assert [s[0].tolist() for s in segs] == [[0, 1], [4], [6, 7]]
    assert polyline_segments(xs[:0], ys[:0]) == []


# ---------------------------------------------------------------- determinism, sizes, grid, speed

@pytest.mark.parametrize("cfg", [RenderConfig(), RenderConfig(supersample=3), RenderConfig.high_res()])
def test_render_is_deterministic(cfg):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((12, 5000)) * 0.3
    a = render_ecg(x, 500.0, cfg)
    b = render_ecg(x.copy(), 500.0, cfg)
    assert a.image.dtype == np.uint8 and a.image.shape == (cfg.height, cfg.width)
    np.testing.assert_array_equal(a.image, b.image)
    assert a.layout == b.layout


def test_model_image_has_no_grid_or_labels_and_is_pure_ink_on_paper():
    img = render_ecg(blank(), FS).image
    assert set(np.unique(img).tolist()) == {0, 255}
    rows = np.flatnonzero(dark(img).any(axis=1))
    assert rows.tolist() == [28, 84, 140, 196]               # 4 baselines, nothing else
    assert dark(img[rows]).all()                             # each drawn edge to edge, no gaps at panel joins


def test_short_record_is_padded_flat():
    img = render_ecg(np.full((12, 800), 0.5), FS).image      # 8 s at +0.5 mV
    strip = img[168:]
    y_signal = int(196 - 0.5 * PX_PER_MV)
    assert dark(strip[y_signal - 168, : int(7.9 * PX_PER_S)]).all()
    assert dark(strip[196 - 168, int(8.1 * PX_PER_S):]).all()   # baseline after 8 s


def test_high_res_grid_present_only_when_asked():
    with_grid = render_ecg(blank(500.0), 500.0, RenderConfig.high_res(labels=False)).image
    without = render_ecg(blank(500.0), 500.0, RenderConfig.high_res(grid=False, labels=False)).image
    assert with_grid.shape == without.shape == (1440, 2000)
    # 8 px per mm: 1 mm lines every 8 px, 5 mm lines every 40 px, vertically anchored at the
    # first row's baseline (y = 1440 / 8 = 180), so horizontal lines at y = 180 + 8k.
    paper_row = with_grid[8]                                  # 180 - 8 = 172 = 21.5 mm: between lines
    lines = np.flatnonzero(paper_row < 255)
    assert lines.tolist() == list(range(0, 2000, 8))          # 250 vertical lines, 0.04 s apart
    assert paper_row[40] < paper_row[8] < 255                 # 5 mm line darker than a 1 mm line
    assert paper_row[4] == 255
    paper_col = with_grid[:, 4]
    assert with_grid[20, 4] < with_grid[12, 4] < 255          # y = 20: 5 mm line, y = 12: 1 mm line
    y = np.arange(1440)
    near_trace = np.abs(y % 360 - 180) <= 2                   # baselines at 180 + 360 k, traces 2 px wide
    off_lines = (y % 8 != 180 % 8) & ~near_trace
    assert np.all(paper_col[off_lines] == 255)                # nothing but lines (and the flat traces)
    assert set(np.unique(without).tolist()) == {0, 255}
    assert np.all(without[8] == 255)


def test_high_res_labels_only_when_asked():
    plain = render_ecg(blank(), FS, RenderConfig.high_res(grid=False, labels=False)).image
    labelled = render_ecg(blank(), FS, RenderConfig.high_res(grid=False, labels=True)).image
    diff = plain != labelled
    assert diff.any()
    ys, xs = np.nonzero(diff)
    assert xs.min() >= 0 and ys.max() < 1440


def test_bad_input_raises():
    with pytest.raises(ValueError, match="12"):
        render_ecg(np.zeros((11, 1000)), FS)
    with pytest.raises(ValueError, match="sampling"):
        render_ecg(np.zeros((12, 1000)), 0.0)
    with pytest.raises(ValueError):
        make_layout(0, 224, RenderConfig())


def test_render_224_takes_a_few_ms():
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.standard_normal((12, 1000)), axis=1) * 0.05
    render_ecg(x, FS)
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        render_ecg(x, FS)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 0.010          # ~0.5 ms measured; generous for a shared 2-core machine


def test_layout_types_are_plain_frozen_dataclasses():
    lay = make_layout(W, H, RenderConfig())
    assert isinstance(lay, EcgLayout) and all(isinstance(p, Panel) for p in lay.panels)
    with pytest.raises(Exception):
        lay.width = 3  # type: ignore[misc]


def test_vector_layout_in_points_is_the_raster_layout_scaled():
    # The PDF asks for a canvas in (float) points; its polylines must be the raster's, scaled.
    rng = np.random.default_rng(4)
    x = rng.standard_normal((12, 5000)) * 0.4
    cfg = RenderConfig.high_res()
    raster = make_layout(cfg.width, cfg.height, cfg)
    scale = 708.66 / cfg.width
    vector = make_layout(cfg.width * scale, cfg.height * scale, cfg)
    assert vector.width == pytest.approx(708.66)
    assert vector.px_per_s == pytest.approx(raster.px_per_s * scale)
    assert vector.px_per_mv == pytest.approx(raster.px_per_mv * scale)
    for (pr, xr, yr), (pv, xv, yv) in zip(panel_traces(x, 500.0, raster), panel_traces(x, 500.0, vector)):
        assert (pr.lead, pr.t0, pr.t1, pr.rhythm) == (pv.lead, pv.t0, pv.t1, pv.rhythm)
        np.testing.assert_allclose(xv, xr * scale)
        np.testing.assert_allclose(yv, yr * scale)
