"""Plots built with plotly (its JavaScript bundle comes from the plotly package and is served by
the web app itself), each with a text summary and a table that say the same in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import plotly
import plotly.graph_objects as go

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

# Okabe-Ito: told apart with colour-blindness too; lines also differ by marker and dash.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "solid", "dash")


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    summary: str
    """What the plot shows, in one or two sentences (the plot's accessible name)."""
    figure_json: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _layout(figure: go.Figure, *, y_title: str, x_title: str | None = None) -> None:
    figure.update_layout(
        margin={"l": 48, "r": 16, "t": 16, "b": 48},
        height=320,
        font={"family": "system-ui, sans-serif", "size": 13},
        legend={"orientation": "h", "y": -0.2},
        yaxis={"title": {"text": y_title}, "range": [0, 105], "ticksuffix": "%"},
        xaxis={"title": {"text": x_title}} if x_title else {},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
    )


def progress_over_time(chart_id: str, series: Sequence[tuple[str, Sequence[tuple[datetime, int]]]]) -> Chart:
    """One line per goal: its % complete each time it changed."""
    figure = go.Figure()
    rows: list[tuple[str, ...]] = []
    for index, (title, points) in enumerate(series):
        if not points:
            continue
        figure.add_trace(
            go.Scatter(
                x=[moment.isoformat() for moment, _ in points],
                y=[percent for _, percent in points],
                name=title,
                mode="lines+markers",
                line={
                    "shape": "hv",
                    "color": PALETTE[index % len(PALETTE)],
                    "dash": DASHES[index % len(DASHES)],
                },
                marker={"symbol": MARKERS[index % len(MARKERS)], "size": 8},
            )
        )
        rows += [(title, moment.strftime("%Y-%m-%d %H:%M"), f"{percent}%") for moment, percent in points]
    _layout(figure, y_title="complete")
    latest = [f"{title} {points[-1][1]}%" for title, points in series if points]
    summary = (
        "Progress over time of each goal. Now: " + (", ".join(latest) if latest else "no goals yet") + "."
    )
    return Chart(
        chart_id, "Progress over time", summary, figure.to_json(), ("Goal", "When", "Complete"), tuple(rows)
    )


def percent_bars(chart_id: str, title: str, bars: Sequence[tuple[str, int]], *, what: str) -> Chart:
    """A horizontal bar per name, 0-100%."""
    figure = go.Figure(
        go.Bar(
            x=[percent for _, percent in bars],
            y=[name for name, _ in bars],
            orientation="h",
            marker={"color": PALETTE[0]},
            text=[f"{percent}%" for _, percent in bars],
            textposition="auto",
        )
    )
    _layout(figure, y_title="")
    figure.update_layout(
        xaxis={"range": [0, 105], "ticksuffix": "%", "title": {"text": what}},
        yaxis={"range": None, "ticksuffix": "", "autorange": "reversed"},
        height=max(160, 48 * len(bars) + 80),
    )
    summary = (
        f"{title}: " + (", ".join(f"{name} {percent}%" for name, percent in bars) or "nothing yet") + "."
    )
    return Chart(
        chart_id, title, summary, figure.to_json(), ("Who", what), tuple((n, f"{p}%") for n, p in bars)
    )


def counts(chart_id: str, title: str, values: Sequence[tuple[str, int]], *, what: str) -> Chart:
    """A bar per category with how many there are."""
    figure = go.Figure(
        go.Bar(x=[n for n, _ in values], y=[c for _, c in values], marker={"color": PALETTE[2]})
    )
    _layout(figure, y_title=what)
    figure.update_layout(yaxis={"range": None, "ticksuffix": "", "rangemode": "tozero", "dtick": 1})
    summary = f"{title}: " + (", ".join(f"{count} {name}" for name, count in values) or "none yet") + "."
    return Chart(
        chart_id,
        title,
        summary,
        figure.to_json(),
        (title.split()[0], what),
        tuple((n, str(c)) for n, c in values),
    )
