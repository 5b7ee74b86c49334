"""Stage 2: from a finished stage-1 folder, write the confirmation experiment (a TOML file to read and edit).

python -m analysis confirm results/main --seeds 10 --out experiments/confirm.toml

Each group of settings (each activation, and each combination of any other varying setting but
lr) at its validation-selected learning rate, seeds 0..N-1, every other setting as in stage 1.
One [[grid]] block per group, so each activation gets its own lr; runs = the union of the blocks.
"""

import datetime
import json
import re
import tomllib
from pathlib import Path

from analysis.aggregate.compute import compute
from analysis.aggregate.selection import has_validation, selected_rows
from analysis.errors import ResultsError
from analysis.load.axes import IDENTITY, LR, REPLICATE, manifest_grid, rows_matching
from analysis.load.contract import contract_of
from analysis.report.words import chosen_label, number, pct
from results_io import WriteError, read_manifest, write_text


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


def grid_varying(configs):
    """The settings (not the seed) whose values differ across the stage-1 grid: each block sets them all,
    whatever finished."""
    points = list(configs.values())
    keys = dict.fromkeys(k for p in points for k in p)
    return [k for k in keys if k not in (IDENTITY, REPLICATE)
            and len({json.dumps(p.get(k), sort_keys=True, default=str) for p in points}) > 1]


def base_settings(configs, varying, order):
    """Settings equal in every stage-1 run (other than the varying ones and the seed), in `order` first."""
    points = list(configs.values())
    keys = [k for k in dict.fromkeys([*order, *(k for p in points for k in p)])
            if k not in (*varying, IDENTITY, REPLICATE) and k in points[0]]
    return {k: points[0][k] for k in keys if all(p.get(k) == points[0].get(k) for p in points)}


def block_text(row, a, configs, varying, seeds):
    """One [[grid]] block: the group's settings and selected lr as one-value lists, plus the seeds."""
    settings = list(a.axes.setting_columns)
    run_id = rows_matching(a.runs, row, settings)[IDENTITY].iloc[0]
    config = configs[run_id]
    group = [c for c in settings if c != LR]
    others = rows_matching(a.summary, row, group) if group else a.summary
    rates = ", ".join(f"{number(r[LR])}: {pct(r['best_val_acc_mean'])}" for _, r in others.iterrows()
                      if LR in r.index)
    lines = [f"# {chosen_label(row, a.axes)}: mean best validation accuracy {pct(row['best_val_acc_mean'])} "
             f"over {row['best_val_acc_n']:.0f} seed(s); all rates tried: {rates}", "[[grid]]"]
    lines += [f"{c} = [{toml_value(config[c])}]" for c in dict.fromkeys([*settings, *varying])
              if c in config and c != REPLICATE]
    lines.append(f"{REPLICATE} = {toml_value(list(range(seeds)))}")
    return "\n".join(lines)


def confirm_text(folder, seeds, name, command, partial=False):
    """The experiment file's text; ResultsError when the folder cannot select anything, or holds only
    part of its grid (unless `partial`)."""
    a = compute(folder)
    if not has_validation(a.metrics):
        raise ResultsError(f"{folder} has no validation accuracy (its runs were trained with n_val = 0), and "
                           "learning rates are chosen on validation only; rerun stage 1 with n_val > 0")
    configs, source = typed_configs(a)
    missing = len(configs) - len(a.runs)
    if missing > 0 and not partial:
        raise ResultsError(f"{folder} holds {len(a.runs)} of its grid's {len(configs)} runs: a choice made now would "
                           "miss the rest; finish stage 1 (rerun its sweep), or pass --partial to choose from these")
    chosen = selected_rows(a.summary)
    varying = grid_varying(configs)
    base = base_settings(configs, [*a.axes.setting_columns, *varying], a.axes.config_columns)
    today = datetime.date.today().isoformat()
    header = [f"# Stage 2 (confirmation), generated on {today} by `{command}`.",
              f"# From {folder} (experiment {a.name!r}, {len(a.runs)} runs; settings read from {source}):",
              *([f"# PARTIAL: only {len(a.runs)} of the grid's {len(configs)} runs had finished (--partial)."]
                if missing > 0 else []),
              "# each group at the learning rate chosen on VALIDATION data: the lr with the highest mean best",
              "# validation accuracy (each run's maximum of val_acc over its epochs, averaged over its seeds;",
              "# the smaller lr on a tie). Test accuracy played no part in the choice.",
              f"# Seeds 0..{seeds - 1}: the same seed gives the same training subset and initial weights in every",
              "# group, so `python -m analysis` pairs runs by seed. Edit freely before running:",
              f"#   study sweep <this file>   then   python -m analysis results/{name}",
              f"name = {toml_value(name)}",
              f"description = {toml_value(f'Confirmation of the validation-selected settings of {a.name}')}",
              "", "[base]", *[f"{k} = {toml_value(v)}" for k, v in base.items()]]
    blocks = [block_text(row, a, configs, varying, seeds) for _, row in chosen.iterrows()]
    text = "\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n"
    tomllib.loads(text)  # never hand over a file that is not TOML
    return text


def add_arguments(parser):
    parser.add_argument("folder", help="a finished stage-1 results folder, e.g. results/main")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 per group (default 10)")
    parser.add_argument("--name", default="confirm", help="experiment name = results folder name (default confirm)")
    parser.add_argument("--out", help="the experiment file to write (default experiments/<name>.toml)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists (a regular file only)")
    parser.add_argument("--partial", action="store_true", help="choose from a stage 1 that has not finished")


def check_out(out, force):
    """Refuse an --out that exists (unless force) or is not a regular file: a folder, a FIFO, a device."""
    try:
        odd = out.is_symlink() or (out.exists() and not out.is_file())
    except OSError as error:  # a name too long, a parent that is a file
        raise ResultsError(f"--out {out}: {error.strerror}; choose another path") from None
    if odd:
        raise ResultsError(f"--out {out} exists and is not a regular file; give a new path or a regular file")
    if out.exists() and not force:
        raise ResultsError(f"{out} exists; pass --force to overwrite it, or choose another --out")


def run(args):
    if args.seeds < 2:
        raise ResultsError(f"--seeds must be at least 2 for a paired interval, got {args.seeds}")
    pattern = contract_of(read_manifest(args.folder)).experiment_name_pattern
    if not re.fullmatch(pattern, args.name):
        raise ResultsError(f"--name {args.name!r} is not a safe folder name (1-128 letters, digits and . _ - + = , @, "
                           "not starting with . or -)")
    out = Path(args.out or f"experiments/{args.name}.toml")
    check_out(out, args.force)
    command = f"python -m analysis confirm {args.folder} --seeds {args.seeds} --name {args.name} --out {out}"
    text = confirm_text(Path(args.folder), args.seeds, args.name, command, args.partial)
    try:
        write_text(out, text)
    except WriteError as error:
        raise ResultsError(f"--out {out}: cannot write it ({error.strerror}); choose another path") from None
    print(f"wrote {out}: {text.count('[[grid]]')} group(s) x {args.seeds} seeds")
    return 0
