"""python -m analysis: analyse a results folder, and the tools around it.

  python -m analysis FOLDER [--tau T]             tables, figures, answers.json and report.html of a sweep
  python -m analysis confirm FOLDER [--seeds N]   stage 2: write the confirmation experiment of a stage 1
  python -m analysis index ROOT                   index.html: one page answering across every folder in ROOT
  python -m analysis reference RESULTS NAME...    copy analysed folders into results/reference/ (and index it)
  python -m analysis synthetic FOLDER             a made-up results folder with known answers, to try things on

Every mistake in the input is one line on stderr and exit code 2; nothing is written then.
"""

import argparse
import sys

from analysis.errors import ResultsError
from results_io import WriteError

TOOLS = ("confirm", "index", "reference", "synthetic")  # analysis/tools/<name>.py: add_arguments(p), run(args)


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag or value is one line on stderr and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def analyze_arguments(parser):
    from analysis.metrics.spikiness import SPIKE_TAU

    parser.add_argument("folder", help="a results folder holding epochs.csv (and runs.csv), e.g. results/main")
    parser.add_argument("--tau", type=float, default=SPIKE_TAU,
                        help=f"spike threshold: cost above (1 + tau) x running minimum (default {SPIKE_TAU})")


def analyze_command(args):
    from analysis.pipeline import analyze
    from analysis.report.build import headline

    if not args.tau > 0:
        raise ResultsError(f"--tau must be positive, got {args.tau}")
    written, a, sections = analyze(args.folder, args.tau)
    tables = [p.name for p in written if p.suffix == ".csv"]
    figures = [p for p in written if p.parent.name == "figures"]
    report = [p for p in written if p.name == "report.html"][0]
    print(f"wrote {', '.join(tables)}, answers.json and {len(figures)} figure(s) into {report.parent}")
    print(f"report: {report}")
    for line in headline(sections):
        print(f"  {line}")
    return 0


def build(argv):
    """(parser, parsed args) for argv: a tool's when argv starts with its name, else the analysis's."""
    if argv and argv[0] in TOOLS:
        from importlib import import_module

        tool = import_module(f"analysis.tools.{argv[0]}")
        parser = Parser(prog=f"python -m analysis {argv[0]}", description=tool.__doc__.splitlines()[0])
        tool.add_arguments(parser)
        args = parser.parse_args(argv[1:])
        args.run = tool.run
        return parser, args
    parser = Parser(prog="python -m analysis", description=__doc__.splitlines()[0], epilog=__doc__,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    analyze_arguments(parser)
    args = parser.parse_args(argv)
    args.run = analyze_command
    return parser, args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    _, args = build(argv)
    try:
        return args.run(args) or 0
    except ResultsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except WriteError as error:  # a full disk while writing: what was written before is whole
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
