"""Draw every figure that the data allows into <folder>/figures/ as PNG and SVG."""

from analysis.eos import has_sharpness
from analysis.figures_curves import best_lr_curves, cost_curves, sharpness_curves
from analysis.figures_grid import accuracy_heatmap, accuracy_vs_lr, inactive_units, spikiness_heatmaps
from analysis.output import save_figure
from analysis.spikiness import SPIKE_TAU
from analysis.style import plt

# name -> (title for the report, draw(metrics, summary, epochs, tau) -> figure, needed(metrics, epochs) -> bool)
FIGURES = {
    "cost_curves": ("Training cost curves", lambda m, s, e, tau: cost_curves(m, e), lambda m, e: True),
    "spikiness_heatmap": ("Spikiness over activation and learning rate",
                          lambda m, s, e, tau: spikiness_heatmaps(s, tau), lambda m, e: True),
    "accuracy_heatmap": ("Final test accuracy over activation and learning rate",
                         lambda m, s, e, tau: accuracy_heatmap(s), lambda m, e: True),
    "accuracy_vs_lr": ("Final test accuracy against learning rate", lambda m, s, e, tau: accuracy_vs_lr(s),
                       lambda m, e: True),
    "best_lr_curves": ("Test accuracy at each activation's best learning rate",
                       lambda m, s, e, tau: best_lr_curves(m, s, e), lambda m, e: any_accuracy(m)),
    "sharpness": ("Sharpness against 2/lr", lambda m, s, e, tau: sharpness_curves(m, e),
                  lambda m, e: has_sharpness(e)),
    "inactive_units": ("Inactive units", lambda m, s, e, tau: inactive_units(m),
                       lambda m, e: any(c.startswith("final_inactive_") for c in m.columns)),
}


def any_accuracy(metrics):
    return metrics["final_test_acc"].notna().any()


def make_figures(metrics, summary, epochs, folder, tau=SPIKE_TAU):
    """{name: (title, png path)} of the figures drawn, in FIGURES order."""
    drawn = {}
    for name, (title, draw, needed) in FIGURES.items():
        if not needed(metrics, epochs):
            continue
        figure = draw(metrics, summary, epochs, tau)
        try:
            drawn[name] = (title, save_figure(figure, folder, name))
        finally:
            plt.close(figure)
    return drawn
