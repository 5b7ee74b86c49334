"""A results folder read for analysis: its runs of the current grid, their epochs, axes, manifest."""

from pathlib import Path

from analysis.context import Analysis
from analysis.errors import ResultsError
from analysis.load.axes import find_axes, manifest_grid
from analysis.load.checks import check_duplicate_runs
from analysis.load.contract import contract_of
from analysis.load.remedy import with_remedy
from analysis.load.results import experiment_name, load_results
from analysis.metrics.spikiness import SPIKE_TAU
from results_io import read_manifest


def current_grid_only(runs, epochs, manifest, folder):
    """(runs, epochs, number left out): only the runs of the manifest's current grid, when it lists one.

    A folder can hold runs of earlier grids (an edited experiment rerun into the same folder);
    those are left out, and the report says how many.
    """
    ids = {point["run_id"] for point in manifest_grid(manifest) if "run_id" in point}
    if not ids:
        return runs, epochs, 0
    keep = runs["run_id"].isin(ids)
    if not keep.any():
        raise ResultsError(f"{folder}: none of the {len(runs)} run(s) in its tables belongs to the current grid of "
                           f"manifest.json ({len(ids)} run(s)); wait for the sweep to finish a run, or rerun it")
    return (runs[keep].reset_index(drop=True), epochs[epochs["run_id"].isin(ids)].reset_index(drop=True),
            int((~keep).sum()))


def load_folder(folder, tau=SPIKE_TAU):
    """An Analysis holding the folder's runs, epochs, manifest, contract and axes (tables still to compute)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    contract = contract_of(manifest)
    runs, epochs = load_results(folder, contract)
    runs, epochs, left_out = current_grid_only(runs, epochs, manifest, folder)
    axes = find_axes(runs, manifest, contract)
    check_duplicate_runs(runs, axes.config_columns, folder)
    runs, axes = with_remedy(runs, axes, contract)
    return Analysis(name=experiment_name(folder, manifest), runs=runs, epochs=epochs, manifest=manifest,
                    contract=contract, axes=axes, left_out=left_out, tau=tau)
