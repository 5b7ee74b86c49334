"""The `study` command: train, data, gradcheck, sweep."""

import argparse
import sys

# The rest of the package (numpy with it) is imported inside main, where a Ctrl-C while it loads is
# the one-line interruption, not a traceback.

USAGE_ERROR = 2
INTERRUPTED = 130  # what a shell reports for a process ended by Ctrl-C


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag or value is one line on stderr and exit code 2."""

    def error(self, message):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# The commands, each imported when it runs so that `study --help` stays fast.
def run_train(args):
    from study.commands import train_command
    return train_command(args)


def run_data(args):
    from study.commands import data_command
    return data_command(args)


def run_gradcheck(args):
    from study.commands import gradcheck_command
    return gradcheck_command(args)


def run_sweep(args):
    from study.sweep.command import sweep_command
    return sweep_command(args)


def flag_type(kind):
    """argparse type of a RunConfig field; tuples (hidden) stay text and are parsed by the config."""
    return kind if kind in (int, float) else str


def default_text(value):
    from study import config

    return config.hidden_text(value) if isinstance(value, tuple) else value


def add_run_settings(parser):
    """One flag per RunConfig field (--n-train for n_train), its default and help from the field."""
    from study import config

    for name, field in config.FIELDS.items():
        meta = field.metadata
        choices = f"; one of {', '.join(meta['choices'])}" if meta["choices"] else ""
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=flag_type(field.type),
                            default=default_text(field.default), metavar=name.upper(),
                            help=f"{meta['help']}{choices} (default {default_text(field.default)})")


def add_train(commands):
    p = commands.add_parser("train", help="train one network and write its per-epoch table")
    add_run_settings(p)
    p.add_argument("--data-dir", help="folder holding <dataset>/ (default: $STUDY_DATA_DIR, cache, download)")
    p.add_argument("--out", help="CSV file for the per-epoch table (a new path or a regular file)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run_train)


def add_data(commands):
    p = commands.add_parser("data", help="say where a dataset was found, its counts and pixel statistics")
    p.add_argument("--dataset", default="mnist", help="mnist or fashion-mnist (default mnist)")
    p.add_argument("--data-dir", help="folder holding <dataset>/")
    p.set_defaults(run=run_data)


def add_gradcheck(commands):
    from study.net.faults import FAULTS

    p = commands.add_parser("gradcheck", help="check every activation's gradients against finite differences")
    p.add_argument("--seed", type=int, default=0, help="random seed of the small test network (>= 0)")
    p.add_argument("--fault", default="none", choices=list(FAULTS),
                   help="check a network with this mistake planted (study/net/faults.py) to see what the check catches")
    p.add_argument("--weight-decay", type=float, default=0.0,
                   help="check the cost with this weight-decay penalty added, as training minimises it (default 0)")
    p.set_defaults(run=run_gradcheck)


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
    p.set_defaults(run=run_sweep)


def build_parser():
    parser = Parser(prog="study", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for add in (add_train, add_data, add_gradcheck, add_sweep):
        add(commands)
    return parser


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)  # imports the settings, and numpy with them
        from study.config import ConfigError
        from study.data.idx import DataError
        from study.store.lock import LockError
    except KeyboardInterrupt:
        print("study: interrupted", file=sys.stderr)
        return INTERRUPTED
    try:
        return args.run(args) or 0
    except (ConfigError, DataError, LockError) as exc:
        print(f"study {args.command}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"study {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
