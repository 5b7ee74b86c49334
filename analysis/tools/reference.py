"""python -m analysis.reference RESULTS NAME...: copy analysed results folders into results/reference/.

What a fresh clone ships so that a reader can open the results in pandas and look at the figures
without training: each folder's tables (epochs.csv gzip-compressed; load_results reads either),
manifest, report and PNG figures. Machine-specific paths in the manifest are replaced by what they
stand for. Run `python -m analysis RESULTS/NAME` first (make reference does both).
"""

import argparse
import base64
import gzip
import json
import shutil
import sys
from pathlib import Path

from results_io import read_manifest, write_bytes, write_text

TABLES = ("runs.csv", "metrics.csv", "summary.csv", "compare.csv", "budgets.csv", "eos_table.csv")
REQUIRED = ("runs.csv", "epochs.csv", "metrics.csv", "summary.csv", "report.html", "manifest.json")


def scrub(manifest):
    """The manifest without absolute paths of the machine it ran on (data folders, experiment paths)."""
    for meta in manifest.get("data") or []:
        if isinstance(meta, dict) and meta.get("folder"):
            meta["folder"] = f"<data root>/{Path(meta['folder']).name}"
    experiment = manifest.get("experiment") or {}
    if Path(str(experiment.get("path", ""))).is_absolute():
        experiment["path"] = f"experiments/{Path(experiment['path']).name}"
    return manifest


def copy_folder(source, target):
    """Copy one analysed results folder; returns the files written."""
    missing = [name for name in REQUIRED if not (source / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{source} lacks {', '.join(missing)}: run `python -m analysis {source}` first")
    shutil.rmtree(target, ignore_errors=True)
    written = []
    for name in TABLES:
        if (source / name).is_file():
            written.append(write_bytes(target / name, (source / name).read_bytes()))
    packed = gzip.compress((source / "epochs.csv").read_bytes(), mtime=0)  # mtime 0: same bytes every time
    written.append(write_bytes(target / "epochs.csv.gz", packed))
    manifest = scrub(json.loads((source / "manifest.json").read_text()))
    written.append(write_text(target / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n"))
    figures = sorted((source / "figures").glob("*.png"))
    for png in figures:
        written.append(write_bytes(target / "figures" / png.name, png.read_bytes()))
    written.append(write_text(target / "report.html", linked_report((source / "report.html").read_text(), figures)))
    return written


def linked_report(text, figures):
    """The report with each embedded figure replaced by a link to its copy in figures/ (half the size)."""
    for png in figures:
        embedded = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
        text = text.replace(embedded, f"figures/{png.name}")
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m analysis.reference", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="the results root, e.g. results")
    parser.add_argument("names", nargs="+", help="experiment folders to copy, e.g. main confirm")
    parser.add_argument("--out", default="results/reference", help="where to copy them (default results/reference)")
    args = parser.parse_args(argv)
    for name in args.names:
        try:
            written = copy_folder(Path(args.results) / name, Path(args.out) / name)
        except (OSError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        size = sum(path.stat().st_size for path in written)
        print(f"{Path(args.out) / name}: {len(written)} files, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
