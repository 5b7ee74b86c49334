"""Figures written as files (atomically, results_io) and as the <figure> HTML the report embeds."""

import base64
import html
import io
from pathlib import Path

from results_io import write_bytes

FIGURE_FORMATS = ("png", "svg")
DPI = 110


def save_figure(figure, folder, stem, formats=FIGURE_FORMATS):
    """figure as <stem>.png (and .svg) in folder; returns the PNG path.

    The layout (constrained: every label measured) is worked out when the first format is drawn and
    kept for the others, rather than measured again: it is a large part of a figure's cost."""
    paths = []
    for fmt in formats:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=DPI)
        paths.append(write_bytes(Path(folder) / f"{stem}.{fmt}", buffer.getvalue()))
        figure.set_layout_engine("none")  # the panels stay where the layout put them
    return paths[0]


def figure_html(title, png_path, anchor=""):
    """A <figure> with the PNG embedded (base64), so report.html stands alone."""
    encoded = base64.b64encode(png_path.read_bytes()).decode("ascii")
    where = f" id={html.escape(anchor)!r}" if anchor else ""
    return (f"<figure{where}><figcaption>{html.escape(title)}</figcaption>"
            f"<img alt={html.escape(title)!r} src='data:image/png;base64,{encoded}'></figure>")
