"""A figure drawn by a report section: saved beside the pipeline's figures, embedded in the page."""

import base64
import html
import io
from pathlib import Path

from analysis.figures.save import DPI, save_figure
from analysis.figures.style import plt


def figures_folder(a):
    """The folder the pipeline drew its figures into (None before any figure was drawn, e.g. in tests)."""
    paths = [path for _, path in a.figures.values()] if a.figures else []
    return Path(paths[0]).parent if paths else None


def section_figure(a, figure, stem, title):
    """The figure as an HTML <figure> (PNG, base64), also written as <stem>.png/.svg when the folder is known."""
    try:
        folder = figures_folder(a)
        if folder is not None:
            save_figure(figure, folder, stem)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    finally:
        plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"<figure><figcaption>{html.escape(title)}</figcaption>"
            f"<img alt={html.escape(title)!r} src='data:image/png;base64,{encoded}'></figure>")
