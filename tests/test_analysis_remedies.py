"""What to do about the spikes: remedy labels, partners by seed, and paired changes checked by hand."""

from types import SimpleNamespace

import pandas as pd
import pytest
from scipy import stats

from analysis.load.remedy import remedy_label
from analysis.questions.remedies import verdict
from analysis.questions.remedies.numbers import change_table, chosen_remedies

OFF = {"lr_schedule": "constant", "lr_final": 0.0, "lr_step_every": 50, "lr_step_factor": 0.1,
       "warmup_epochs": 0, "clip_norm": 0.0, "weight_decay": 0.0}  # in RunConfig's order
ORDERS = {"fields": OFF, "sorted, as a manifest stores them": dict(sorted(OFF.items()))}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("on, label", [
    ({}, "constant rate"),
    ({"lr_final": 0.01}, "constant rate"),  # a schedule's own setting counts only with the schedule
    ({"lr_schedule": "cosine"}, "cosine"),
    ({"lr_schedule": "cosine", "lr_final": 0.01}, "cosine to 0.01"),
    ({"clip_norm": 1.0, "lr_schedule": "cosine", "lr_final": 0.01, "warmup_epochs": 10},
     "cosine to 0.01 + warm-up 10 + clip 1"),
    ({"lr_schedule": "step", "lr_step_every": 20, "lr_step_factor": 0.5}, "step every 20 x0.5"),
    ({"weight_decay": 0.0005}, "weight decay 0.0005"),
])
def test_a_remedy_reads_in_the_trainers_order_whatever_the_order_of_the_settings(order, on, label):
    assert remedy_label(pd.Series({**OFF, **on}), ORDERS[order]) == label


def toy(best_gain=(0.01, 0.02, 0.03), diverged_seed=None):
    """relu at lr 0.5 and 1, seeds 0-2, constant rate and 'clip 1'; clip gains best_gain[seed] validation."""
    rows = []
    for lr in (0.5, 1.0):
        for seed in range(3):
            for clip in (0.0, 1.0):
                best = 0.90 + 0.001 * seed + (best_gain[seed] if clip else 0.0)
                status = "diverged" if (clip == 0.0 and lr == 1.0 and seed == diverged_seed) else "ok"
                rows.append({"run_id": f"{lr:g}-{seed}-{clip:g}", "activation": "relu", "lr": lr, "seed": seed,
                             **OFF, "clip_norm": clip, "remedy": "clip 1" if clip else "constant rate",
                             "status": status, "best_val_acc": best, "final_val_acc": best - (0 if clip else 0.05),
                             "test_acc_at_best_val": best - 0.001, "n_spikes": 0 if clip else 2 + seed,
                             "spiky": not clip})
    metrics = pd.DataFrame(rows)
    axes = SimpleNamespace(config_columns=("run_id", "activation", "lr", "seed", *OFF, "remedy"))
    return SimpleNamespace(metrics=metrics, axes=axes, contract=SimpleNamespace(remedy_settings=OFF))


def test_changes_are_remedy_minus_its_partner_with_a_paired_t_interval():
    table, _ = change_table(toy(diverged_seed=2))
    pooled = table[table["activation"] == "all"].set_index("level")
    assert list(pooled.index) == ["its lower rate", "2x its lower rate"] and set(pooled["n_pairs"]) == {3}
    row = pooled.loc["its lower rate"]
    half = stats.t.ppf(0.975, 2) * 0.01 / 3 ** 0.5  # differences 0.01, 0.02, 0.03: sd 0.01
    assert row["best_val_acc_change"] == pytest.approx(0.02)
    assert (row["best_val_acc_low"], row["best_val_acc_high"]) == pytest.approx((0.02 - half, 0.02 + half))
    assert row["final_val_acc_change"] == pytest.approx(0.07)  # the constant rate loses 0.05 at the end
    assert row["late_cost_change"] == pytest.approx(-0.05)
    assert row["n_spikes_change"] == pytest.approx(-3.0) and row["spiky_change"] == pytest.approx(-1.0)
    assert pooled.loc["2x its lower rate", "diverged_change"] == pytest.approx(-1 / 3)  # one partner diverged


def test_the_verdict_says_when_smoother_costs_accuracy_and_when_nothing_is_established():
    smoother_worse, _ = change_table(toy(best_gain=(-0.021, -0.02, -0.019)))
    assert verdict(smoother_worse.iloc[0]).startswith("smoother curves but LESS accurate")
    noisy, _ = change_table(toy(best_gain=(0.03, -0.03, 0.001)))
    row = noisy.iloc[0].copy()
    row[["n_spikes_low", "n_spikes_high"]] = (-1.0, 1.0)  # spikes not established either
    row[["final_val_acc_low", "final_val_acc_high"]] = (-1.0, 1.0)
    assert verdict(row) == "nothing established with 3 pairs"


def test_the_chosen_remedy_is_the_best_on_validation_per_activation_and_rate():
    _, metrics = change_table(toy(best_gain=(-0.01, -0.01, -0.01)))
    chosen = chosen_remedies(metrics)
    assert list(chosen["remedy"]) == ["constant rate", "constant rate"] and set(chosen["n"]) == {3}


def test_with_one_rate_per_activation_the_level_is_its_rate():
    a = toy()
    a.metrics = a.metrics[a.metrics["lr"] == 1.0]
    table, _ = change_table(a)
    assert set(table["level"]) == {"its rate"} and list(table["n_pairs"]) == [3, 3]
