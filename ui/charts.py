"""Plotly figures for training metrics. Display only: the data comes from services.customization.metrics."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from services.customization.metrics import Curve

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
VALIDATION_DASH = "dot"


def run_color(name: str) -> str:
    """A run's colour, the same in every chart and every session (from its name, not its place in a list)."""
    return COLORS[zlib.crc32(name.encode()) % len(COLORS)]


def metrics_figure(
    panels: Sequence[tuple[str, Sequence[tuple[str, Curve]]]],
    *,
    x_title: str,
    log_y: bool,
    boundaries: Sequence[float] = (),
    show_raw: bool = True,
    named: str = "",
    keep_view: str = "",
) -> go.Figure:
    """One row per metric panel; each panel holds (run label, curve) pairs. Training curves are
    drawn smoothed with the raw curve faint behind; validation curves as dotted lines with markers.
    WebGL traces keep long runs fluid. A run keeps its colour everywhere (``run_color``; ``named``: the
    name of the one unlabelled run); ``keep_view`` keeps what the reader set in the chart (the Linear /
    Log scale buttons, zoom) across reruns of the same panel."""
    fig = make_subplots(
        rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=[p[0] for p in panels]
    )
    runs: dict[str, str] = {}
    for row, (metric, pairs) in enumerate(panels, start=1):
        for run, curve in pairs:
            if run not in runs:
                wanted = run_color(run or named)
                taken = set(runs.values())
                free = [c for c in COLORS[COLORS.index(wanted) :] + COLORS[: COLORS.index(wanted)] if c not in taken]
                runs[run] = free[0] if free else wanted  # two runs in one chart never share a colour
            color = runs[run]
            name = f"{run} · {curve.name}" if run else curve.name
            validation = curve.name.startswith("validation")
            hover = f"{name}<br>{x_title} %{{x}}<br>{metric} %{{y:.6g}}<extra></extra>"
            if validation:
                fig.add_trace(
                    go.Scattergl(
                        x=curve.x,
                        y=curve.raw,
                        name=name,
                        legendgroup=name,
                        showlegend=row == 1,
                        mode="lines+markers",
                        line={"color": color, "dash": VALIDATION_DASH},
                        hovertemplate=hover,
                    ),
                    row=row,
                    col=1,
                )
                continue
            if show_raw:
                fig.add_trace(
                    go.Scattergl(
                        x=curve.x,
                        y=curve.raw,
                        name=f"{name} (raw)",
                        legendgroup=name,
                        showlegend=False,
                        mode="lines",
                        opacity=0.25,
                        line={"color": color, "width": 1},
                        hovertemplate=hover.replace(metric, f"{metric} (raw)"),
                    ),
                    row=row,
                    col=1,
                )
            fig.add_trace(
                go.Scattergl(
                    x=curve.x,
                    y=curve.smooth,
                    name=name,
                    legendgroup=name,
                    showlegend=row == 1,
                    mode="lines",
                    line={"color": color, "width": 2},
                    hovertemplate=hover.replace(metric, f"{metric} (smoothed)"),
                ),
                row=row,
                col=1,
            )
        if log_y:
            fig.update_yaxes(type="log", row=row, col=1)
    for x in boundaries:
        fig.add_vline(x=x, line={"color": "#999", "width": 1, "dash": "dash"}, opacity=0.6)
    fig.update_xaxes(title_text=x_title, row=len(panels), col=1)
    axes = ["yaxis"] + [f"yaxis{i}" for i in range(2, len(panels) + 1)]
    fig.update_layout(
        height=320 * len(panels) + 80,
        margin={"l": 40, "r": 20, "t": 60, "b": 40},
        hovermode="x unified",
        uirevision=keep_view or None,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0},
        # the y scale switches in the browser (plotly's own control): no rerun, no round trip
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "showactive": True,
                "active": 1 if log_y else 0,
                "x": 1.0,
                "xanchor": "right",
                "y": 1.12,
                "yanchor": "bottom",
                "pad": {"r": 0, "t": 0},
                "buttons": [
                    {"label": "Linear", "method": "relayout", "args": [{f"{a}.type": "linear" for a in axes}]},
                    {"label": "Log scale", "method": "relayout", "args": [{f"{a}.type": "log" for a in axes}]},
                ],
            }
        ],
    )
    return fig


def token_histogram(bins: Sequence[tuple[int, int, int]], title: str, limit: int | None = None) -> go.Figure:
    """Records per token range (low, high, records) of one side of a dataset (input or output); the
    family's per-record limit as a line when it is in view."""
    fig = go.Figure(
        go.Bar(
            x=[(low + high) / 2 for low, high, _ in bins],
            y=[n for _, _, n in bins],
            width=[high - low + 1 for low, high, _ in bins],
            customdata=[(low, high) for low, high, _ in bins],
            marker={"color": COLORS[0], "line": {"width": 1, "color": "white"}},
            hovertemplate="%{customdata[0]:,}–%{customdata[1]:,} tokens: %{y:,} records<extra></extra>",
        )
    )
    top = bins[-1][1] if bins else 0
    if limit and limit <= top * 1.5:
        fig.add_vline(x=limit, line={"color": COLORS[3], "dash": "dash"}, annotation_text=f"limit {limit:,}")
    fig.update_layout(
        title=title,
        height=260,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title="tokens per record",
        yaxis_title="records",
        bargap=0,
    )
    return fig


def evaluation_figure(rows: Sequence[tuple[str, str, float, float, float | None, float | None]]) -> go.Figure:
    """Each model's score beside its base model's, per run: (run, metric, custom, base, low, high); the
    custom bar carries the 95% interval of the difference, drawn around the custom score."""
    fig = go.Figure()
    runs = list(dict.fromkeys(r[0] for r in rows))
    metric = rows[0][1] if rows else ""
    fig.add_trace(
        go.Bar(
            name="base model",
            x=runs,
            y=[r[3] for r in rows],
            marker_color="#b0b0b0",
            hovertemplate="%{x}<br>base %{y:.3f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            name="custom model",
            x=runs,
            y=[r[2] for r in rows],
            marker_color=COLORS[0],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [(r[5] - (r[2] - r[3])) if r[5] is not None else 0 for r in rows],
                "arrayminus": [((r[2] - r[3]) - r[4]) if r[4] is not None else 0 for r in rows],
            },
            hovertemplate="%{x}<br>custom %{y:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        barmode="group",
        title=f"{metric}: custom model against its base (latest evaluation)",
        yaxis={"title": metric, "range": [0, 1.05]},
        height=320,
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
