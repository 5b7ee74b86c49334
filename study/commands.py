"""The bodies of `study train`, `study data` and `study gradcheck`."""

import tempfile
from pathlib import Path

from results_io import NAME_MAX, write_csv
from study import config
from study.config import ConfigError, make_config
from study.data import datasets
from study.net.faults import FAULTS
from study.net.gradcheck import TOLERANCE, gradcheck_all
from study.training.memory import check_memory
from study.training.rows import epoch_table
from study.training.train import summarize, train


def config_from_args(args):
    """The run config from `study train`'s flags: each config field has a flag of the same name."""
    return make_config({name: getattr(args, name) for name in config.FIELDS})


def check_output(path):
    """Refuse, before training, an --out that would lose the finished run: not a regular file or
    a new path, or a folder that cannot be written."""
    path = Path(path)
    size = len(path.name.encode())
    if size > NAME_MAX:  # a name the file system refuses: say so now, not after the training
        raise ConfigError(f"--out {path}: the file name is {size} bytes long, more than the {NAME_MAX} a file "
                          "name can have; choose a shorter name")
    try:
        taken = path.is_symlink() or (path.exists() and not path.is_file())
    except OSError as exc:  # e.g. a whole path longer than the system allows
        raise ConfigError(f"--out {path}: cannot use this path ({exc.strerror or exc}); choose another") from None
    if taken:
        raise ConfigError(f"--out {path} exists and is not a regular file; give a new path or a regular file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise ConfigError(f"--out {path}: cannot write in {path.parent} ({exc.strerror or exc}); "
                          "choose a writable folder") from None


def train_command(args):
    cfg = config_from_args(args)  # validate every flag before loading anything
    if args.out:
        check_output(args.out)
    check_memory(cfg)  # before loading the data: a run that cannot fit is one line, not a MemoryError
    data = datasets.load(cfg.dataset, args.data_dir, cfg.dtype)
    bar = None if args.no_progress else progress_bar(cfg.epochs + 1)

    def show(row):
        if bar:
            bar.update(1)
            bar.set_postfix(cost=f"{row['train_cost']:.4f}", val_acc=f"{row['val_acc']:.4f}")

    result = train(cfg, data, on_epoch=show)
    if bar:
        bar.close()
    if args.out:
        write_csv(args.out, epoch_table(cfg, result))
    s = summarize(result)
    where = f" -> {args.out}" if args.out else ""
    print(
        f"{cfg.activation} lr={cfg.lr:g} seed={cfg.seed} [{cfg.run_id}]: {s['status']} after "
        f"{s['epochs_run']} epochs, train cost {s['final_train_cost']:.4f}, val acc "
        f"{s['final_val_acc']:.4f} (best {s['best_val_acc'] or float('nan'):.4f}), test acc "
        f"{s['final_test_acc']:.4f}, {data.meta['train_images_in_test']} train images also in test, "
        f"{s['wall_seconds']:.1f} s{where}"
    )


def progress_bar(total):
    from tqdm import tqdm

    return tqdm(total=total, unit="epoch", dynamic_ncols=True)


def data_command(args):
    data = datasets.load(args.dataset, args.data_dir)
    for key, value in datasets.describe(data).items():
        print(f"{key}: {value}")


def gradcheck_command(args):
    if args.seed < 0:
        raise ConfigError(f"--seed must be zero or positive, got {args.seed}")
    config.check("weight_decay", args.weight_decay)  # the run setting's own check
    fault = FAULTS[args.fault]
    errors = gradcheck_all(args.seed, args.fault, args.weight_decay)
    width = max(map(len, errors))
    if args.fault != "none":
        print(f"fault {args.fault}: {fault.description}")
    if args.weight_decay:
        print(f"cost: cross-entropy + {args.weight_decay:g} / 2 x |W|^2 (the weight-decay penalty)")
    for name, err in errors.items():
        print(f"{name:<{width}}  max relative error {err:.2e}  {'ok' if err <= TOLERANCE else 'FAIL'}")
    failed = [name for name, err in errors.items() if err > TOLERANCE]
    if failed:
        print(f"gradcheck failed for {', '.join(failed)} (tolerance {TOLERANCE:g})")
        return 1
    print(f"all {len(errors)} activations within {TOLERANCE:g}")
