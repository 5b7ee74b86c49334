"""python -m analysis RESULTS_FOLDER: metrics, summary, figures and report.html of a sweep's results."""

import argparse
import sys

from analysis.load.results import ResultsError
from analysis.pipeline import analyze
from analysis.report.build import headline
from analysis.metrics.spikiness import SPIKE_TAU


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    parser.add_argument("folder", help="a results folder holding epochs.csv (and runs.csv), e.g. results/main")
    parser.add_argument("--tau", type=float, default=SPIKE_TAU,
                        help=f"spike threshold: cost above (1 + tau) x running minimum (default {SPIKE_TAU})")
    args = parser.parse_args(argv)
    if not args.tau > 0:
        parser.error(f"--tau must be positive, got {args.tau}")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        written, analysis = analyze(args.folder, args.tau)
    except ResultsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tables = [p.name for p in written if p.suffix == ".csv"]
    figures = [p for p in written if p.parent.name == "figures"]
    report = [p for p in written if p.name == "report.html"][0]
    print(f"wrote {', '.join(tables)} and {len(figures)} figure file(s) into {report.parent}")
    print(f"report: {report}")
    for line in headline(analysis):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
