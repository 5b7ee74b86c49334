"""The `study` command: train, data, gradcheck, sweep, figures, bench."""

import argparse
import sys

from study.config import ConfigError
from study.idx import DataError
from study.lock import LockError

USAGE_ERROR = 2


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag or value is one line on stderr and exit code 2."""

    def error(self, message):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_train(commands):
    p = commands.add_parser("train", help="train one network and write its per-epoch table")
    p.add_argument("--activation", default="relu", help="hidden activation (default relu)")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    p.add_argument("--epochs", type=int, default=100, help="full-batch updates (default 100)")
    p.add_argument("--hidden", default="128,64", help="hidden layer sizes (default 128,64)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--dataset", default="mnist", help="mnist or fashion-mnist (default mnist)")
    p.add_argument("--n-train", type=int, default=0, help="stratified training subset; 0 = all")
    p.add_argument("--dtype", default="float32", help="float32 or float64 (default float32)")
    p.add_argument("--init", default="auto", help="auto, he or glorot (default auto)")
    p.add_argument("--leaky-slope", type=float, default=0.01, help="leaky_relu slope (default 0.01)")
    p.add_argument("--sharpness-every", type=int, default=0, help="epochs between sharpness measurements; 0 = off")
    p.add_argument("--sharpness-samples", type=int, default=5000, help="training images for sharpness")
    p.add_argument("--data-dir", help="folder holding <dataset>/ (default: $STUDY_DATA_DIR, cache, download)")
    p.add_argument("--out", help="CSV file for the per-epoch table")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run="study.commands:train_command")


def add_data(commands):
    p = commands.add_parser("data", help="say where a dataset was found, its counts and pixel statistics")
    p.add_argument("--dataset", default="mnist", help="mnist or fashion-mnist (default mnist)")
    p.add_argument("--data-dir", help="folder holding <dataset>/")
    p.set_defaults(run="study.commands:data_command")


def add_gradcheck(commands):
    p = commands.add_parser("gradcheck", help="check every activation's gradients against finite differences")
    p.add_argument("--seed", type=int, default=0, help="random seed of the small test network")
    p.set_defaults(run="study.commands:gradcheck_command")


def add_sweep(commands):
    p = commands.add_parser("sweep", help="train an experiment's grid into results/<name>/")
    p.add_argument("experiment", help="experiment TOML file, e.g. experiments/main.toml")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a base setting (repeatable), e.g. --set epochs=20")
    p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of cores)")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS threads per job (default: cores // jobs, so jobs x threads = cores)")
    p.add_argument("--backend", default="loky", choices=["loky", "dask"], help="joblib backend")
    p.add_argument("--scheduler", help="dask scheduler address, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--results", default="results", help="results root folder (default results)")
    p.add_argument("--data-dir", help="folder holding <dataset>/")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run="study.sweep_command:sweep_command")


def build_parser():
    parser = Parser(prog="study", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for add in (add_train, add_data, add_gradcheck, add_sweep):
        add(commands)
    return parser


def resolve(target):
    """Import `module:function` lazily, so `study --help` stays fast."""
    module, name = target.split(":")
    return getattr(__import__(module, fromlist=[name]), name)


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return resolve(args.run)(args) or 0
    except (ConfigError, DataError, LockError) as exc:
        print(f"study {args.command}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"study {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
