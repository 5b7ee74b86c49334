"""Copy analysed results folders into results/reference/ and write its index page.

python -m analysis reference RESULTS NAME... [--out results/reference]

What a fresh clone ships so that a reader can open the results in pandas and look at the figures
without training: each folder's tables (epochs.csv gzip-compressed; load_results reads either),
answers, manifest, report and PNG figures, and index.html answering across them. Machine-specific
paths in the manifest are replaced by what they stand for. Run `python -m analysis RESULTS/NAME`
first (make reference does both). A folder is built beside its target and swapped in whole, so an
error leaves the previous copy as it was.
"""

import base64
import gzip
import json
import shutil
from pathlib import Path

from analysis.errors import ResultsError
from analysis.tools.index import write_index
from results_io import WriteError, write_bytes, write_text

REQUIRED = ("runs.csv", "epochs.csv", "metrics.csv", "summary.csv", "report.html", "manifest.json", "answers.json")


def scrub(manifest):
    """The manifest without absolute paths of the machine it ran on (data folders, experiment paths)."""
    for meta in manifest.get("data") or []:
        if isinstance(meta, dict) and meta.get("folder"):
            meta["folder"] = f"<data root>/{Path(meta['folder']).name}"
    experiment = manifest.get("experiment") or {}
    if Path(str(experiment.get("path", ""))).is_absolute():
        experiment["path"] = f"experiments/{Path(experiment['path']).name}"
    for grid in manifest.get("grids") or []:
        if isinstance(grid, dict) and Path(str(grid.get("path", ""))).is_absolute():
            grid["path"] = f"experiments/{Path(grid['path']).name}"
    return manifest


def check_apart(source, target):
    """Refuse a copy onto its own source, into it, or around it: it would delete what it copies."""
    source, target = source.resolve(), target.resolve()
    if source == target or source in target.parents or target in source.parents:
        raise ResultsError(f"--out {target} and {source} overlap: the copy would replace what it copies; "
                           "give an --out outside the results folders (default results/reference)")


def copy_files(source, staging):
    """Write the copy of `source` into `staging`; returns the files written."""
    written = [write_bytes(staging / path.name, path.read_bytes())
               for path in sorted(source.glob("*.csv")) if path.name != "epochs.csv"]
    packed = gzip.compress((source / "epochs.csv").read_bytes(), mtime=0)  # mtime 0: same bytes every time
    written.append(write_bytes(staging / "epochs.csv.gz", packed))
    written.append(write_bytes(staging / "answers.json", (source / "answers.json").read_bytes()))
    manifest = scrub(json.loads((source / "manifest.json").read_text()))
    written.append(write_text(staging / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n"))
    figures = sorted((source / "figures").glob("*.png"))
    for png in figures:
        written.append(write_bytes(staging / "figures" / png.name, png.read_bytes()))
    written.append(write_text(staging / "report.html", linked_report((source / "report.html").read_text(), figures)))
    return written


def copy_folder(source, target):
    """Copy one analysed results folder into `target`, replacing it only once the copy is whole."""
    missing = [name for name in REQUIRED if not (source / name).is_file()]
    if missing:
        raise ResultsError(f"{source} lacks {', '.join(missing)}: run `python -m analysis {source}` first")
    check_apart(source, target)
    staging, old = target.with_name(f".{target.name}.new"), target.with_name(f".{target.name}.old")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        written = copy_files(source, staging)
    except (OSError, ValueError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ResultsError(f"copying {source} to {target} failed ({error}); {target} is as it was") from None
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return [target / path.relative_to(staging) for path in written]


def linked_report(text, figures):
    """The report with each embedded figure replaced by a link to its copy in figures/ (half the size)."""
    for png in figures:
        embedded = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
        text = text.replace(embedded, f"figures/{png.name}")
    return text


def add_arguments(parser):
    parser.add_argument("results", help="the results root, e.g. results")
    parser.add_argument("names", nargs="+", help="experiment folders to copy, e.g. main confirm")
    parser.add_argument("--out", default="results/reference", help="where to copy them (default results/reference)")


def run(args):
    out = Path(args.out)
    for name in args.names:
        written = copy_folder(Path(args.results) / name, out / name)
        size = sum(path.stat().st_size for path in written)
        print(f"{out / name}: {len(written)} files, {size / 1e6:.1f} MB")
    try:
        print(f"wrote {write_index(out)}")
    except WriteError as error:
        raise ResultsError(f"the index of {out}: {error}") from None
    return 0
