"""Figures drawn from small synthetic results: the right panels, the right numbers, nothing cut off."""

import numpy as np
import pandas as pd
import pytest
from conftest import axes_of
from matplotlib.collections import LineCollection

from analysis.aggregate.budgets import budget_table
from analysis.aggregate.compute import compute
from analysis.aggregate.summary import summary_table
from analysis.figures.accuracy import best_lr_curves, budget_ranking
from analysis.figures.curves import cost_curves
from analysis.figures.facets import MAX_PANELS
from analysis.figures.grid import accuracy_vs_lr
from analysis.figures.heatmaps import accuracy_heatmap
from analysis.figures.style import plt
from analysis.pipeline import analyze, answer
from analysis.tools.synthetic import Synthetic, write_synthetic

# A grid activation x lr x hidden; relu at lr 1 overfits (its val/test accuracy falls over the second half).
HIDDEN = Synthetic(epochs=60, spiky=set(), overfit={("relu", 1.0)}, diverged={("tanh", 1.0, 1)},
                   extra={"hidden": ("32", "64")})


def analyzed(folder, spec):
    write_synthetic(folder, spec)
    return compute(folder)


@pytest.fixture(scope="module")
def hidden(tmp_path_factory):
    return analyzed(tmp_path_factory.mktemp("hidden"), HIDDEN)


@pytest.fixture
def drawn():
    """Collects the figures a test draws and closes them afterwards."""
    figures = []
    yield figures.append
    for figure in figures:
        plt.close(figure)


def titles(figure):
    return [ax.get_title() for ax in figure.axes if ax.get_title()]


def test_cost_curves_have_one_panel_per_activation_lr_and_hidden_size(hidden, drawn):
    figure = cost_curves(hidden.metrics, hidden.epochs, hidden.axes)
    drawn(figure)
    expected = {f"{a}, lr {lr:g}\nhidden {h}" for a in ("relu", "tanh") for lr in (0.1, 1.0) for h in ("32", "64")}
    assert set(titles(figure)) == expected and len(titles(figure)) == 8
    panel = next(ax for ax in figure.axes if ax.get_title() == "tanh, lr 1\nhidden 64")
    assert len(panel.lines) == 2 + 1  # one line per seed, one red X where seed 1 diverged
    assert [t.get_text() for t in panel.texts] == ["spiky 0/2, 1 diverged"]
    assert panel.get_yscale() == "log"


def test_accuracy_heatmap_shows_validation_accuracy_and_stars_the_selected_lr(hidden, drawn):
    summary = hidden.summary
    figure = accuracy_heatmap(summary, hidden.axes)
    drawn(figure)
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["best validation accuracy (%)\nhidden 32",
                                                 "best validation accuracy (%)\nhidden 64"]
    assert "validation" in figure.get_suptitle()
    chosen = summary[summary["is_selected"] & (summary["hidden"].astype(str) == "32")]
    starred = sorted(t.get_text().split("\n")[0] for t in panels[0].texts if "*" in t.get_text())
    assert starred == sorted(f"{100 * v:.1f}*" for v in chosen["best_val_acc_mean"])
    assert len(starred) == 2  # one selected lr per activation


def test_accuracy_against_lr_never_draws_an_interval_past_100_percent(hidden, drawn):
    summary = hidden.summary
    wide = summary.assign(best_val_acc_ci_high=summary["best_val_acc_ci_high"] + 0.5,
                          best_val_acc_ci_low=summary["best_val_acc_ci_low"] - 2.0)
    figure = accuracy_vs_lr(wide, hidden.axes)
    drawn(figure)
    assert titles(figure) == ["hidden 32", "hidden 64"]
    bars = [c for ax in figure.axes for c in ax.collections if isinstance(c, LineCollection)]
    assert len(bars) == 2 * 2  # one set of bars per activation and panel
    ends = np.concatenate([np.concatenate(c.get_segments())[:, 1] for c in bars])
    assert ends.max() == pytest.approx(100.0) and ends.min() == pytest.approx(0.0)


def test_best_lr_curves_show_train_val_and_test_at_each_selected_setting(hidden, drawn):
    figure = best_lr_curves(hidden.metrics, hidden.summary, hidden.epochs, hidden.axes)
    drawn(figure)
    chosen = hidden.summary[hidden.summary["is_selected"]]
    expected = {f"{r.activation}, lr {r.lr:g}\nhidden {r.hidden}" for r in chosen.itertuples()}
    assert set(titles(figure)) == expected and len(expected) == 4
    labels = {text.get_text() for text in figure.legends[0].get_texts()}
    assert {"train", "validation", "test"} <= labels


# Mean validation accuracy at budgets 25, 50 and the last epoch, per (activation, lr); seeds add -+0.002.
BUDGET_ACCURACY = {("relu", 0.1): (0.80, 0.85, 0.90), ("relu", 1.0): (0.90, 0.93, 0.94),
                   ("tanh", 0.1): (0.80, 0.85, 0.96), ("tanh", 1.0): (0.88, 0.95, 0.93)}


def budget_metrics():
    """metrics rows (as metrics.csv has them) with known accuracies at each budget, two hidden sizes."""
    rows = []
    for (activation, lr), accuracies in BUDGET_ACCURACY.items():
        for hidden, seed in ((h, s) for h in ("32", "64") for s in (0, 1)):
            values = [a + (0.002 if seed else -0.002) for a in accuracies]
            rows.append({"run_id": f"{activation}-{lr}-{hidden}-{seed}", "activation": activation, "lr": lr,
                         "hidden": hidden, "seed": seed, "status": "ok", "best_val_acc": max(values),
                         **{f"val_acc_at_{b}": v for b, v in zip(("25", "50", "last"), values)},
                         **{f"test_acc_at_{b}": v - 0.01 for b, v in zip(("25", "50", "last"), values)}})
    return pd.DataFrame(rows)


def test_budget_ranking_shows_the_winner_changing_with_the_budget(drawn):
    axes = axes_of("activation", "lr", "hidden")
    summary = summary_table(budget_metrics(), axes)
    figure = budget_ranking(budget_table(summary, axes), summary, axes)
    drawn(figure)
    rank_panels = [ax for ax in figure.axes if ax.get_title().startswith("rank")]
    assert [ax.get_title().split("\n")[1] for ax in rank_panels] == ["hidden 32", "hidden 64"]
    relu, tanh = (line.get_ydata() for line in rank_panels[0].lines[:2])
    # relu leads at 25 epochs; tanh at 50 (lr 1) and at the end (lr 0.1: 96% beats relu's 94%)
    assert list(relu) == [1, 2, 2] and list(tanh) == [2, 1, 1]
    assert sorted(t.get_text() for t in rank_panels[0].texts) == ["lr 0.1"] + ["lr 1"] * 5
    val_panel = figure.axes[0]
    assert list(val_panel.lines[1].get_ydata()) == pytest.approx([88.0, 95.0, 96.0])  # tanh, mean over seeds


def test_without_validation_the_test_accuracy_is_shown_and_nothing_is_selected(tmp_path, drawn):
    a = analyzed(tmp_path / "noval", Synthetic(n_val=0))
    figure = accuracy_heatmap(a.summary, a.axes)
    drawn(figure)
    assert "Final test accuracy" in figure.get_suptitle() and "Box and *" not in figure.get_suptitle()
    assert not any("*" in t.get_text() for ax in figure.axes for t in ax.texts)
    made = {f.stem: f.title for section in answer(a) for f in section.figures}
    assert made["accuracy_heatmap"] == "Final test accuracy over activation and learning rate"
    assert "best_lr_curves" not in made and "budget_ranking" not in made


def test_the_printed_figure_count_is_the_png_files_written(tmp_path):
    write_synthetic(tmp_path, Synthetic(sharpness_every=5))
    written, _, sections = analyze(tmp_path)
    pngs = sorted(p.name for p in (tmp_path / "figures").glob("*.png"))
    assert len([p for p in written if p.suffix == ".png"]) == len(pngs) == sum(len(s.drawn) for s in sections) == 8
    report = (tmp_path / "report.html").read_text()
    for section in sections:  # each figure sits in the section it supports
        body = report.split(f"<section id='{section.question.name}'>", 1)[1].split("</section>", 1)[0]
        assert all(f"id='figure-{stem}'" in body for stem in section.drawn)


WIDE = Synthetic(activations=("relu", "tanh", "elu", "gelu"), lrs=tuple(np.geomspace(0.01, 3, 13)), seeds=(0, 1, 2),
                 epochs=20, spiky=set())


def test_a_wide_grid_gets_one_panel_per_activation_with_the_rates_overlaid(tmp_path, drawn):
    a = analyzed(tmp_path, WIDE)
    assert 4 * 13 > MAX_PANELS
    figure = cost_curves(a.metrics, a.epochs, a.axes)
    drawn(figure)
    panels = [ax for ax in figure.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["relu", "tanh", "elu", "gelu"]
    assert all(len(ax.lines) == 13 for ax in panels)  # one line per lr: the first seed only
    assert "only seed 0 of 3 drawn" in figure.get_suptitle()
    width, height = figure.get_size_inches() * figure.dpi
    assert width < 2500 and height < 2000


def test_a_wide_heatmap_carries_colour_only_and_says_so(tmp_path, drawn):
    a = analyzed(tmp_path, WIDE)
    figure = accuracy_heatmap(a.summary, a.axes)
    drawn(figure)
    assert not [t for ax in figure.axes for t in ax.texts] and "colour only" in figure.get_suptitle()
    assert figure.get_size_inches()[0] * figure.dpi < 2500


def test_no_title_runs_past_the_figure_edges(hidden):
    figures = [f for section in answer(hidden) for f in section.figures]
    assert {f.stem for f in figures} >= {"cost_curves", "spikiness_heatmap", "accuracy_heatmap", "accuracy_vs_lr",
                                         "best_lr_curves", "budget_ranking", "inactive_units"}
    for spec in figures:
        name, figure = spec.stem, spec.draw()
        try:
            figure.canvas.draw()
            renderer = figure.canvas.get_renderer()
            texts = [figure._suptitle] + [ax.title for ax in figure.axes]
            for text in (t for t in texts if t is not None and t.get_text()):
                box = text.get_window_extent(renderer)
                assert box.x0 >= 0 and box.x1 <= figure.bbox.width and box.y1 <= figure.bbox.height, name
        finally:
            plt.close(figure)
