"""The bodies of `study train`, `study data` and `study gradcheck`."""

from study import data as datasets
from study.config import FIELDS, make_config
from study.gradcheck import TOLERANCE, gradcheck_all
from study.io import write_csv
from study.rows import epoch_table
from study.train import summarize, train


def config_from_args(args):
    """The run config from `study train`'s flags: each config field has a flag of the same name."""
    return make_config({name: getattr(args, name) for name in FIELDS})


def train_command(args):
    cfg = config_from_args(args)  # validate every flag before loading anything
    data = datasets.load(cfg.dataset, args.data_dir, cfg.dtype)
    bar = None if args.no_progress else progress_bar(cfg.epochs + 1)

    def show(row):
        if bar:
            bar.update(1)
            bar.set_postfix(cost=f"{row['train_cost']:.4f}", test_acc=f"{row['test_acc']:.4f}")

    result = train(cfg, data, on_epoch=show)
    if bar:
        bar.close()
    if args.out:
        write_csv(args.out, epoch_table(cfg, result))
    s = summarize(result)
    where = f" -> {args.out}" if args.out else ""
    print(
        f"{cfg.activation} lr={cfg.lr:g} seed={cfg.seed} [{cfg.run_id}]: {s['status']} after "
        f"{s['epochs_run']} epochs, train cost {s['final_train_cost']:.4f}, test acc "
        f"{s['final_test_acc']:.4f} (best {s['best_test_acc']:.4f}), "
        f"{data.meta['train_images_in_test']} train images also in test, {s['wall_seconds']:.1f} s{where}"
    )


def progress_bar(total):
    from tqdm import tqdm

    return tqdm(total=total, unit="epoch", dynamic_ncols=True)


def data_command(args):
    data = datasets.load(args.dataset, args.data_dir)
    for key, value in datasets.describe(data).items():
        print(f"{key}: {value}")


def gradcheck_command(args):
    errors = gradcheck_all(args.seed)
    width = max(map(len, errors))
    for name, err in errors.items():
        print(f"{name:<{width}}  max relative error {err:.2e}  {'ok' if err <= TOLERANCE else 'FAIL'}")
    failed = [name for name, err in errors.items() if err > TOLERANCE]
    if failed:
        print(f"gradcheck failed for {', '.join(failed)} (tolerance {TOLERANCE:g})")
        return 1
    print(f"all {len(errors)} activations within {TOLERANCE:g}")
