"""Stage 2: from a finished stage-1 folder, write the confirmation experiment (a TOML file to read and edit).

python -m analysis.confirm results/main --seeds 10 --out experiments/confirm.toml

Each group of settings (each activation, and each combination of any other varying setting but
lr) at its validation-selected learning rate, seeds 0..N-1, every other setting as in stage 1.
One [[grid]] block per group, so each activation gets its own lr; runs = the union of the blocks.
"""

import argparse
import datetime
import json
import re
import sys
import tomllib
from pathlib import Path

from analysis.load.axes import IDENTITY, LR, REPLICATE, manifest_grid, rows_matching
from analysis.errors import ResultsError
from results_io import write_text
from analysis.aggregate.selection import has_validation, selected_rows
from analysis.aggregate.tables import compute
from analysis.report.words import chosen_label, number, pct

SAFE_NAME = re.compile(r"\w[\w.,+=@-]{0,127}")  # the experiment name becomes results/<name>/


def toml_value(value):
    """A TOML literal for a setting's value (str, bool, int, float or list of them)."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, float):
        return "inf" if value == float("inf") else "-inf" if value == -float("inf") else repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))  # JSON string escapes are valid TOML basic-string escapes


def typed_configs(a):
    """{run_id: config dict}: the manifest's typed values, else the values read from runs.csv."""
    grid = {point[IDENTITY]: point for point in manifest_grid(a.manifest) if IDENTITY in point}
    if grid:
        return grid, "manifest.json"
    columns = [c for c in a.axes.config_columns if c != IDENTITY]
    return {row[IDENTITY]: {c: row[c] for c in columns} for _, row in a.runs.iterrows()}, "runs.csv"


def base_settings(configs, varying, order):
    """Settings equal in every stage-1 run (other than the varying ones and the seed), in `order` first."""
    points = list(configs.values())
    keys = [k for k in dict.fromkeys([*order, *(k for p in points for k in p)])
            if k not in (*varying, IDENTITY, REPLICATE) and k in points[0]]
    return {k: points[0][k] for k in keys if all(p.get(k) == points[0].get(k) for p in points)}


def block_text(row, a, configs, seeds):
    """One [[grid]] block: the group's settings and selected lr as one-value lists, plus the seeds."""
    settings = list(a.axes.setting_columns)
    run_id = rows_matching(a.runs, row, settings)[IDENTITY].iloc[0]
    config = configs[run_id]
    group = [c for c in settings if c != LR]
    others = rows_matching(a.summary, row, group) if group else a.summary
    rates = ", ".join(f"{number(r[LR])}: {pct(r['best_val_acc_mean'])}" for _, r in others.iterrows()
                      if LR in r.index)
    lines = [f"# {chosen_label(row, a.summary)}: mean best validation accuracy {pct(row['best_val_acc_mean'])} "
             f"over {row['best_val_acc_n']:.0f} seed(s); all rates tried: {rates}", "[[grid]]"]
    lines += [f"{c} = [{toml_value(config[c])}]" for c in settings if c in config]
    lines.append(f"{REPLICATE} = {toml_value(list(range(seeds)))}")
    return "\n".join(lines)


def confirm_text(folder, seeds, name, command):
    """The experiment file's text; ResultsError when the folder cannot select anything."""
    a = compute(folder)
    if not has_validation(a.metrics):
        raise ResultsError(f"{folder} has no validation accuracy (its runs were trained with n_val = 0), and "
                           "learning rates are chosen on validation only; rerun stage 1 with n_val > 0")
    chosen = selected_rows(a.summary)
    configs, source = typed_configs(a)
    base = base_settings(configs, a.axes.setting_columns, a.axes.config_columns)
    today = datetime.date.today().isoformat()
    header = [f"# Stage 2 (confirmation), generated on {today} by `{command}`.",
              f"# From {folder} (experiment {a.name!r}, {len(a.runs)} runs; settings read from {source}):",
              "# each group at the learning rate chosen on VALIDATION data: the lr with the highest mean best",
              "# validation accuracy (each run's maximum of val_acc over its epochs, averaged over its seeds;",
              "# the smaller lr on a tie). Test accuracy played no part in the choice.",
              f"# Seeds 0..{seeds - 1}: the same seed gives the same training subset and initial weights in every",
              "# group, so `python -m analysis` pairs runs by seed. Edit freely before running:",
              f"#   study sweep <this file>   then   python -m analysis results/{name}",
              f"name = {toml_value(name)}",
              f"description = {toml_value(f'Confirmation of the validation-selected settings of {a.name}')}",
              "", "[base]", *[f"{k} = {toml_value(v)}" for k, v in base.items()]]
    blocks = [block_text(row, a, configs, seeds) for _, row in chosen.iterrows()]
    text = "\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n"
    tomllib.loads(text)  # never hand over a file that is not TOML
    return text


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m analysis.confirm", description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a finished stage-1 results folder, e.g. results/main")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 per group (default 10)")
    parser.add_argument("--name", default="confirm", help="experiment name = results folder name (default confirm)")
    parser.add_argument("--out", help="the experiment file to write (default experiments/<name>.toml)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error(f"--seeds must be at least 2 for a paired interval, got {args.seeds}")
    if not SAFE_NAME.fullmatch(args.name):
        parser.error(f"--name {args.name!r} is not a safe folder name (letters, digits, . _ - + = , @)")
    args.out = Path(args.out or f"experiments/{args.name}.toml")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.out.exists() and not args.force:
        print(f"error: {args.out} exists; pass --force to overwrite it, or choose another --out", file=sys.stderr)
        return 2
    command = f"python -m analysis.confirm {args.folder} --seeds {args.seeds} --name {args.name} --out {args.out}"
    try:
        text = confirm_text(Path(args.folder), args.seeds, args.name, command)
    except ResultsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_text(args.out, text)
    print(f"wrote {args.out}: {text.count('[[grid]]')} group(s) x {args.seeds} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
