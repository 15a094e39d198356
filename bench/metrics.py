"""Metrics charting benchmark: a 1,000,000-step training run. Prints figures; asserts nothing.

ours   CSV -> parse -> EMA on every point -> MinMaxLTTB to <= 5,000 points -> WebGL figure -> JSON
naive  CSV -> pandas -> every point of raw and smoothed loss and perplexity in SVG traces -> JSON

Run: make bench-metrics   (or .venv/bin/python bench/metrics.py [--steps 1000000])
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from plotly.subplots import make_subplots  # noqa: E402

from services.customization.metrics import MetricsState, RunMetrics, curves, epoch_boundaries, parse_metrics_csv  # noqa: E402
from ui.charts import metrics_figure  # noqa: E402

TARGET_SECONDS, TARGET_POINTS = 1.0, 10_000


def make_csv(steps: int, epochs: int = 5) -> tuple[bytes, float, float]:
    rng = np.random.default_rng(42)
    step = np.arange(steps)
    loss = 0.4 + 2.6 * np.exp(-5 * step / steps) * (1 + rng.normal(0, 0.05, steps))
    loss[steps // 3] = 0.05  # a sharp dip and a spike the chart must keep
    loss[2 * steps // 3] = 4.5
    frame = pd.DataFrame(
        {"step_number": step, "epoch_number": step * epochs // steps, "training_loss": loss, "perplexity": np.exp(loss)}
    )
    return frame.to_csv(index=False, float_format="%.6f").encode(), float(loss.min()), float(loss.max())


def ours(data: bytes) -> tuple[go.Figure, int]:
    run = RunMetrics("bench", MetricsState.READY, "", parse_metrics_csv(data, "training"), ())
    panels = [(m, [("", c) for c in curves(run, m, "step", 0.6)]) for m in ("loss", "perplexity")]
    fig = metrics_figure(panels, x_title="step", log_y=False, boundaries=epoch_boundaries(run))
    return fig, max(len(c.x) for _, pairs in panels for _, c in pairs)


def naive(data: bytes) -> tuple[go.Figure, int]:
    import io

    frame = pd.read_csv(io.BytesIO(data))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True)
    for row, column in enumerate(("training_loss", "perplexity"), start=1):
        y = frame[column]
        fig.add_trace(go.Scatter(x=frame["step_number"], y=y, mode="lines", opacity=0.25), row=row, col=1)
        fig.add_trace(go.Scatter(x=frame["step_number"], y=y.ewm(alpha=0.4).mean(), mode="lines"), row=row, col=1)
    return fig, len(frame)


def measure(
    build: Callable[[bytes], tuple[go.Figure, int]], data: bytes, repeat: int
) -> tuple[list[float], int, int, go.Figure]:
    times, size, points, fig = [], 0, 0, None
    for _ in range(repeat):
        start = time.perf_counter()
        fig, points = build(data)
        payload = fig.to_json()
        times.append(time.perf_counter() - start)
        size = len(payload)
    return times, size, points, fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 steps: only shows the benchmark works")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeat = 10_000, 1
    data, lo, hi = make_csv(args.steps)
    print(f"Metrics benchmark: {args.steps:,} steps, CSV {len(data) / 2**20:.1f} MB, Python {sys.version.split()[0]}")
    o_times, o_size, o_points, o_fig = measure(ours, data, args.repeat)
    n_times, n_size, n_points, _ = measure(naive, data, max(1, args.repeat - 1))
    raw = next(t for t in o_fig.data if t.name == "training (raw)")
    kept_lo, kept_hi = (
        math.isclose(float(np.min(raw.y)), lo, rel_tol=1e-5),
        math.isclose(float(np.max(raw.y)), hi, rel_tol=1e-5),
    )
    print(f"{'':8s} {'CSV -> figure JSON':>20s} {'figure JSON':>12s} {'points per trace':>17s}")
    print(f"{'ours':8s} {statistics.median(o_times):18.2f} s {o_size / 2**20:9.1f} MB {o_points:17,}")
    print(f"{'naive':8s} {statistics.median(n_times):18.2f} s {n_size / 2**20:9.1f} MB {n_points:17,}")
    yes = {True: "yes", False: "NO"}
    print(f"\nextremes kept in the drawn loss curve: minimum {yes[kept_lo]}, maximum {yes[kept_hi]}")
    seconds = statistics.median(o_times)
    ok = {True: "ok", False: "MISSES"}
    print(
        f"targets: <= {TARGET_SECONDS:.0f} s to a figure: {seconds:.2f} s {ok[seconds <= TARGET_SECONDS]}; "
        f"<= {TARGET_POINTS:,} points per trace: {o_points:,} {ok[o_points <= TARGET_POINTS]}; "
        f"extremes kept: {ok[kept_lo and kept_hi]}"
    )


if __name__ == "__main__":
    main()
