"""Figures drawn from small synthetic results: the right panels, the right numbers, nothing cut off."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection

from analysis.aggregate.summary import summary_table
from analysis.figures.registry import FIGURES, make_figures
from analysis.figures.accuracy import best_lr_curves, budget_ranking
from analysis.figures.curves import cost_curves
from analysis.figures.grid import accuracy_vs_lr
from analysis.figures.heatmaps import accuracy_heatmap
from analysis.load.results import load_results
from analysis.metrics.per_run import metrics_table
from analysis.figures.style import plt
from analysis.tools.synthetic import Synthetic, write_synthetic

# A grid activation x lr x hidden; relu at lr 1 overfits (its val/test accuracy falls over the second half).
HIDDEN = Synthetic(epochs=60, spiky=set(), overfit={("relu", 1.0)}, diverged={("tanh", 1.0, 1)},
                   extra={"hidden": ("32", "64")})


def analyzed(folder, spec):
    write_synthetic(folder, spec)
    runs, epochs = load_results(folder)
    metrics = metrics_table(runs, epochs)
    return metrics, summary_table(metrics), epochs


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
    metrics, _, epochs = hidden
    figure = cost_curves(metrics, epochs)
    drawn(figure)
    expected = {f"{a}, lr {lr:g}\nhidden {h}" for a in ("relu", "tanh") for lr in (0.1, 1.0) for h in ("32", "64")}
    assert set(titles(figure)) == expected and len(titles(figure)) == 8
    panel = next(ax for ax in figure.axes if ax.get_title() == "tanh, lr 1\nhidden 64")
    assert len(panel.lines) == 2 + 1  # one line per seed, one red X where seed 1 diverged
    assert [t.get_text() for t in panel.texts] == ["spiky 0/2, 1 diverged"]
    assert panel.get_yscale() == "log"


def test_accuracy_heatmap_shows_validation_accuracy_and_stars_the_selected_lr(hidden, drawn):
    _, summary, _ = hidden
    figure = accuracy_heatmap(summary)
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
    _, summary, _ = hidden
    wide = summary.assign(best_val_acc_ci_high=summary["best_val_acc_ci_high"] + 0.5,
                          best_val_acc_ci_low=summary["best_val_acc_ci_low"] - 2.0)
    figure = accuracy_vs_lr(wide)
    drawn(figure)
    assert titles(figure) == ["hidden 32", "hidden 64"]
    bars = [c for ax in figure.axes for c in ax.collections if isinstance(c, LineCollection)]
    assert len(bars) == 2 * 2  # one set of bars per activation and panel
    ends = np.concatenate([np.concatenate(c.get_segments())[:, 1] for c in bars])
    assert ends.max() == pytest.approx(100.0) and ends.min() == pytest.approx(0.0)


def test_best_lr_curves_show_train_val_and_test_at_each_selected_setting(hidden, drawn):
    metrics, summary, epochs = hidden
    figure = best_lr_curves(metrics, summary, epochs)
    drawn(figure)
    chosen = summary[summary["is_selected"]]
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
    figure = budget_ranking(summary_table(budget_metrics()))
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
    metrics, summary, epochs = analyzed(tmp_path / "noval", Synthetic(n_val=0))
    figure = accuracy_heatmap(summary)
    drawn(figure)
    assert "Final test accuracy" in figure.get_suptitle() and "Box and *" not in figure.get_suptitle()
    assert not any("*" in t.get_text() for ax in figure.axes for t in ax.texts)
    made = make_figures(metrics, summary, epochs, tmp_path / "figures")
    assert made["accuracy_heatmap"][0] == "Final test accuracy over activation and learning rate"
    assert "best_lr_curves" not in made and "budget_ranking" not in made


def test_no_title_runs_past_the_figure_edges(hidden):
    metrics, summary, epochs = hidden
    needed = [name for name, (_, _, needs) in FIGURES.items() if needs(metrics, summary, epochs)]
    assert set(needed) == set(FIGURES) - {"sharpness"}  # the spec measures no sharpness
    for name in needed:
        figure = FIGURES[name][1](metrics, summary, epochs, 0.05)
        try:
            figure.canvas.draw()
            renderer = figure.canvas.get_renderer()
            texts = [figure._suptitle] + [ax.title for ax in figure.axes]
            for text in (t for t in texts if t is not None and t.get_text()):
                box = text.get_window_extent(renderer)
                assert box.x0 >= 0 and box.x1 <= figure.bbox.width and box.y1 <= figure.bbox.height, name
        finally:
            plt.close(figure)
