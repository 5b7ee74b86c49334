"""Draw every figure that the data allows into <folder>/figures/ as PNG and SVG."""

from analysis.metrics.eos import has_sharpness
from analysis.aggregate.budgets import budget_table
from analysis.figures.accuracy import best_lr_curves, budget_ranking
from analysis.figures.curves import cost_curves, sharpness_curves
from analysis.figures.grid import accuracy_vs_lr, inactive_units
from analysis.figures.heatmaps import accuracy_heatmap, spikiness_heatmaps
from analysis.figures.save import save_figure
from analysis.metrics.spikiness import SPIKE_TAU
from analysis.figures.style import ACCURACY_VIEWS, accuracy_view, plt, selected

# name -> (title for the report, {accuracy} = the accuracy the figure shows;
#          draw(metrics, summary, epochs, tau) -> figure; needed(metrics, summary, epochs) -> bool)
FIGURES = {
    "cost_curves": ("Training cost curves, one panel per setting",
                    lambda m, s, e, tau: cost_curves(m, e), lambda m, s, e: True),
    "spikiness_heatmap": ("Spikiness over activation and learning rate",
                          lambda m, s, e, tau: spikiness_heatmaps(s, tau), lambda m, s, e: True),
    "accuracy_heatmap": ("{accuracy} over activation and learning rate",
                         lambda m, s, e, tau: accuracy_heatmap(s), lambda m, s, e: True),
    "accuracy_vs_lr": ("{accuracy} against learning rate",
                       lambda m, s, e, tau: accuracy_vs_lr(s), lambda m, s, e: True),
    "best_lr_curves": ("Train, validation and test accuracy at each activation's selected learning rate",
                       lambda m, s, e, tau: best_lr_curves(m, s, e), lambda m, s, e: bool(selected(s).any())),
    "budget_ranking": ("Ranking of the activations at each training budget (chosen on validation)",
                       lambda m, s, e, tau: budget_ranking(s), lambda m, s, e: not budget_table(s).empty),
    "sharpness": ("Sharpness against 2/lr", lambda m, s, e, tau: sharpness_curves(m, e),
                  lambda m, s, e: has_sharpness(e)),
    "inactive_units": ("Inactive units", lambda m, s, e, tau: inactive_units(m),
                       lambda m, s, e: any(c.startswith("final_inactive_") for c in m.columns)),
}


def make_figures(metrics, summary, epochs, folder, tau=SPIKE_TAU):
    """{name: (title, png path)} of the figures drawn, in FIGURES order."""
    accuracy = ACCURACY_VIEWS[accuracy_view(summary)]["name"]
    drawn = {}
    for name, (title, draw, needed) in FIGURES.items():
        if not needed(metrics, summary, epochs):
            continue
        figure = draw(metrics, summary, epochs, tau)
        try:
            drawn[name] = (title.format(accuracy=accuracy), save_figure(figure, folder, name))
        finally:
            plt.close(figure)
    return drawn
