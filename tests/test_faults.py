"""Each planted fault changes exactly what it claims, checked against plain-numpy references."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import synthetic_dataset

from study.cli import main
from study.config import ConfigError, make_config
from study.net import activations as acts
from study.net.activations import ACTIVATIONS
from study.net.faults import FAULTS, get_fault
from study.net.gradcheck import TOLERANCE, gradcheck_all
from study.net.mlp import layers
from study.training.rows import epoch_rows
from study.training.run import measure, run_epoch
from study.training.start import start_run
from study.training.train import train

HIDDEN = (16, 8)
N_VAL = 50  # of the synthetic dataset's 200 training images: 150 left to train on
EPSILON = 1e-9  # the learner's "+ 1e-9" inside the log


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# Plain-numpy derivatives, written independently of study/net/activations.py and study/net/faults.py.
DERIVATIVES = {
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid": lambda z: sig(z) * (1.0 - sig(z)),
    "wrong sigmoid": lambda z: sig(z) * sig(1.0 - z),
    "relu": lambda z: (z > 0).astype(float),
}
FORWARDS = {"relu": lambda z: np.maximum(z, 0.0), "sigmoid": sig, "tanh": np.tanh}


@pytest.fixture(scope="module")
def data():
    return synthetic_dataset()


def config(**settings):
    return make_config({"hidden": HIDDEN, "epochs": 10, "lr": 0.1, "n_val": N_VAL, "dtype": "float64",
                        **settings})


def reference_pass(theta, sizes, X, y, forward, derivative):
    """(logits, gradient of the mean cost) by textbook backprop: forward with `forward`, backward with `derivative`."""
    params = [(W.astype(float), b.astype(float)) for W, b in layers(theta, sizes)]
    H, Zs, Hs = X.astype(float), [], []
    for W, b in params[:-1]:
        Hs.append(H)
        Zs.append(H @ W + b)
        H = forward(Zs[-1])
    logits = H @ params[-1][0] + params[-1][1]
    p = softmax(logits)
    delta = (p - one_hot(y)) / len(y)
    grads = [None] * len(params)
    grads[-1] = (H.T @ delta, delta.sum(axis=0))
    for k in reversed(range(len(params) - 1)):
        delta = (delta @ params[k + 1][0].T) * derivative(Zs[k])
        grads[k] = (Hs[k].T @ delta, delta.sum(axis=0))
    return logits, np.concatenate([g.ravel() for pair in grads for g in pair])


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def one_hot(y):
    Y = np.zeros((len(y), 10))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def learner_cost(logits, y):
    """The learner's cost: -mean over samples AND classes of y log(p + 1e-9), with a one-hot matrix."""
    return float(-np.mean(one_hot(y) * np.log(softmax(logits) + EPSILON)))


def true_cost(logits, y):
    return float(-np.mean(np.log(softmax(logits)[np.arange(len(y)), y])))


def trajectory(cfg, data, epochs):
    """(rows, theta after each epoch's row) of a run stepped by hand."""
    run = start_run(cfg, data)
    rows, thetas = [], []
    for epoch in range(epochs + 1):
        thetas.append(run.theta.copy())
        row, _ = run_epoch(run, epoch)
        rows.append(row)
    return run, rows, thetas


def measured(cfg, data):
    """A run whose epoch-0 row and gradient have been computed, before any update."""
    run = start_run(cfg, data)
    row = measure(run, 0)
    return run, row


# --- forward_relu ---------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_forward_relu_forward_is_relus_forward(data, activation):
    faulty, faulty_row = measured(config(activation=activation, fault="forward_relu", init="glorot"), data)
    correct, relu_row = measured(config(activation="relu", init="glorot"), data)
    np.testing.assert_array_equal(faulty.theta, correct.theta)  # same seed, same init
    for key in ("train_cost", "train_acc", "val_cost", "val_acc", "test_cost", "test_acc"):
        assert faulty_row[key] == relu_row[key]
    relu_logits, _ = reference_pass(faulty.theta, faulty.sizes, faulty.X_test, faulty.y_test, FORWARDS["relu"],
                                    DERIVATIVES["relu"])
    assert faulty_row["test_cost"] == pytest.approx(true_cost(relu_logits, faulty.y_test), rel=1e-12)
    own_logits, _ = reference_pass(faulty.theta, faulty.sizes, faulty.X_test, faulty.y_test, FORWARDS[activation],
                                   DERIVATIVES[activation])
    assert abs(faulty_row["test_cost"] - true_cost(own_logits, faulty.y_test)) > 1e-3  # not the activation's


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_forward_relu_backward_uses_the_activations_derivative(data, activation):
    faulty, _ = measured(config(activation=activation, fault="forward_relu"), data)
    _, expected = reference_pass(faulty.theta, faulty.sizes, faulty.X, faulty.y, FORWARDS["relu"],
                                 DERIVATIVES[activation])
    np.testing.assert_allclose(faulty.grad, expected, rtol=1e-10, atol=1e-14)
    _, relu_grad = reference_pass(faulty.theta, faulty.sizes, faulty.X, faulty.y, FORWARDS["relu"], DERIVATIVES["relu"])
    assert np.linalg.norm(faulty.grad - relu_grad) > 1e-3 * np.linalg.norm(relu_grad)


def test_forward_relu_on_relu_is_the_correct_network_so_it_is_refused():
    # relu's forward pass with relu's derivative is the correct network: a run of it would only be
    # another run id for the same training
    assert FAULTS["forward_relu"].network(*ACTIVATIONS["relu"].pair) == ACTIVATIONS["relu"].pair
    with pytest.raises(ConfigError, match="changes nothing with activation relu"):
        config(activation="relu", fault="forward_relu")


# --- sigmoid_prime --------------------------------------------------------------------------------

def test_sigmoid_prime_is_sigmoid_times_sigmoid_of_one_minus_z():
    f, f_prime = FAULTS["sigmoid_prime"].network(acts.sigmoid, acts.sigmoid_prime)
    z = np.linspace(-8, 8, 41)
    assert f is acts.sigmoid  # the forward pass is untouched
    np.testing.assert_allclose(f_prime(z), DERIVATIVES["wrong sigmoid"](z), rtol=1e-12)
    assert np.max(np.abs(f_prime(z) - DERIVATIVES["sigmoid"](z))) > 0.05
    in_place = z.copy()
    f_prime(in_place, out=in_place)  # the backward pass writes f'(Z) over Z
    np.testing.assert_allclose(in_place, DERIVATIVES["wrong sigmoid"](z), rtol=1e-12)


def test_sigmoid_prime_run_keeps_the_forward_and_changes_the_gradient(data):
    faulty, faulty_row = measured(config(activation="sigmoid", fault="sigmoid_prime"), data)
    correct, row = measured(config(activation="sigmoid"), data)
    assert {k: v for k, v in faulty_row.items() if k not in ("grad_norm", "inactive_1", "inactive_2")} == \
        {k: v for k, v in row.items() if k not in ("grad_norm", "inactive_1", "inactive_2")}
    _, expected = reference_pass(faulty.theta, faulty.sizes, faulty.X, faulty.y, sig, DERIVATIVES["wrong sigmoid"])
    np.testing.assert_allclose(faulty.grad, expected, rtol=1e-10, atol=1e-14)
    _, right = reference_pass(correct.theta, correct.sizes, correct.X, correct.y, sig, DERIVATIVES["sigmoid"])
    np.testing.assert_allclose(correct.grad, right, rtol=1e-10, atol=1e-14)
    assert np.linalg.norm(faulty.grad - correct.grad) > 1e-2 * np.linalg.norm(correct.grad)


# --- class_mean_cost ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def class_mean_pair(data):
    epochs = 12
    faulty = trajectory(config(activation="relu", lr=0.5, fault="class_mean_cost"), data, epochs)
    correct = trajectory(config(activation="relu", lr=0.5), data, epochs)
    return faulty, correct


def test_class_mean_cost_leaves_the_trajectory_bit_for_bit(class_mean_pair):
    (_, faulty_rows, faulty_thetas), (_, rows, thetas) = class_mean_pair
    for a, b in zip(faulty_thetas, thetas):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(thetas[0], thetas[-1])  # it did train
    for key in ("train_acc", "val_acc", "test_acc", "grad_norm", "updates"):
        assert [r[key] for r in faulty_rows] == [r[key] for r in rows]


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_class_mean_cost_records_the_learners_cost(class_mean_pair, split):
    (run, faulty_rows, thetas), (_, rows, _) = class_mean_pair
    X, y = {"train": (run.X, run.y), "val": (run.X_val, run.y_val), "test": (run.X_test, run.y_test)}[split]
    for theta, faulty_row, row in zip(thetas, faulty_rows, rows):
        logits, _ = reference_pass(theta, run.sizes, X, y, FORWARDS["relu"], DERIVATIVES["relu"])
        assert faulty_row[f"{split}_cost"] == pytest.approx(learner_cost(logits, y), rel=1e-9)
        assert row[f"{split}_cost"] == pytest.approx(true_cost(logits, y), rel=1e-9)
        # one-hot y: only the true class counts, so the double mean is the true cost / 10 (the epsilon aside)
        assert faulty_row[f"{split}_cost"] / row[f"{split}_cost"] == pytest.approx(0.1, rel=1e-6)


def test_class_mean_cost_in_float32_records_the_same_number(data):
    run, rows, thetas = trajectory(config(activation="relu", fault="class_mean_cost", dtype="float32"), data, 3)
    for theta, row in zip(thetas, rows):
        logits, _ = reference_pass(theta, run.sizes, run.X, run.y, FORWARDS["relu"], DERIVATIVES["relu"])
        assert row["train_cost"] == pytest.approx(learner_cost(logits, run.y), rel=1e-5)


def test_class_mean_cost_epsilon_caps_the_recorded_cost():
    fault = get_fault("class_mean_cost")
    hopeless = np.full(4, 1e4)  # -log p(y) of a confidently wrong network
    assert fault.recorded_cost(hopeless) == pytest.approx(-np.log(EPSILON) / 10, rel=1e-6)


def test_class_mean_cost_diverges_when_the_correct_network_does(data):
    """The divergence rule should read the true cost: the fault changes only what is written down.

    (Before the fix, run_epoch tested the *recorded* cost against 10 x its epoch-0 value, and the learner's
    cost is capped at -log(1e-9) / 10 = 2.07 < 10 x 0.23, so a class_mean_cost run never stops.
    """
    correct = train(config(activation="relu", lr=1e4, epochs=20, dtype="float32"), data)
    faulty = train(config(activation="relu", lr=1e4, epochs=20, dtype="float32", fault="class_mean_cost"), data)
    assert correct.status == "diverged"
    assert (faulty.status, faulty.diverged_at) == (correct.status, correct.diverged_at)


# --- sum_cost -------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sum_cost_gradient_is_n_times_the_mean(data, dtype):
    faulty, faulty_row = measured(config(fault="sum_cost", dtype=dtype), data)
    correct, row = measured(config(dtype=dtype), data)
    n = len(correct.y)
    assert n == 150
    np.testing.assert_array_equal(faulty.grad, correct.grad * n)
    assert faulty_row["grad_norm"] == pytest.approx(n * row["grad_norm"], rel=1e-6)
    assert faulty_row["train_cost"] == row["train_cost"]  # the recorded cost stays the mean


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-9), ("float32", 1e-4)])
def test_sum_cost_at_lr_over_n_retraces_the_mean_at_lr(data, dtype, tolerance):
    n = len(data.y_train) - N_VAL
    correct = train(config(activation="relu", lr=0.5, epochs=25, dtype=dtype), data)
    faulty = train(config(activation="relu", lr=0.5 / n, epochs=25, dtype=dtype, fault="sum_cost"), data)
    costs = np.array([[r["train_cost"], f["train_cost"]] for r, f in zip(correct.rows, faulty.rows)])
    assert costs[-1, 0] < 0.6 * costs[0, 0]  # it trained
    assert np.max(np.abs(costs[:, 0] - costs[:, 1])) < tolerance


def test_sum_cost_at_the_same_lr_is_a_far_larger_step(data):
    correct = train(config(activation="relu", lr=0.5, epochs=5), data)
    faulty = train(config(activation="relu", lr=0.5, epochs=5, fault="sum_cost"), data)
    assert faulty.status == "diverged" and correct.status == "ok"


def test_sum_cost_mini_batches_scale_by_the_batch(data):
    settings = {"activation": "relu", "epochs": 6, "batch_size": 30}  # 150 = 5 full batches
    correct = train(config(lr=0.2, **settings), data)
    faulty = train(config(lr=0.2 / 30, fault="sum_cost", **settings), data)
    np.testing.assert_allclose([r["train_cost"] for r in faulty.rows], [r["train_cost"] for r in correct.rows],
                               rtol=1e-9)


# --- gradcheck ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["none", "class_mean_cost"])
def test_gradcheck_passes_faults_that_keep_the_gradient(fault):
    errors = gradcheck_all(0, fault)
    assert set(errors) == set(acts.ACTIVATIONS)
    assert max(errors.values()) <= TOLERANCE


def test_gradcheck_flags_sigmoid_prime():
    errors = gradcheck_all(0, "sigmoid_prime")
    assert list(errors) == ["sigmoid"]  # the only activation the mistake exists in
    assert errors["sigmoid"] > 1e3 * TOLERANCE


def test_gradcheck_flags_forward_relu_for_every_other_activation():
    errors = gradcheck_all(0, "forward_relu")
    assert errors.pop("relu") <= TOLERANCE  # relu's forward is relu: nothing wrong
    assert set(errors) == set(acts.ACTIVATIONS) - {"relu"}
    assert min(errors.values()) > TOLERANCE
    assert min(v for k, v in errors.items() if k != "leaky_relu") > 1e3 * TOLERANCE


def test_gradcheck_flags_sum_cost():
    errors = gradcheck_all(0, "sum_cost")
    n = 8  # gradcheck's samples: relative error of n g against g is (n - 1) / (n + 1)
    assert set(errors) == set(acts.ACTIVATIONS)
    np.testing.assert_allclose(list(errors.values()), (n - 1) / (n + 1), rtol=1e-6)


@pytest.mark.parametrize("fault, code", [("none", 0), ("class_mean_cost", 0), ("sigmoid_prime", 1),
                                         ("forward_relu", 1), ("sum_cost", 1)])
def test_gradcheck_command_with_a_fault(capsys, fault, code):
    assert main(["gradcheck", "--fault", fault]) == code
    out = capsys.readouterr().out
    assert ("FAIL" in out) == bool(code)
    if fault != "none":
        assert out.splitlines()[0] == f"fault {fault}: {FAULTS[fault].description}"
    if fault == "sigmoid_prime":
        assert "gradcheck failed for sigmoid (tolerance" in out


def test_gradcheck_exit_codes_from_the_shell():
    failing = subprocess.run([sys.executable, "-m", "study", "gradcheck", "--fault", "sigmoid_prime"],
                             capture_output=True, text=True)
    assert failing.returncode == 1 and "FAIL" in failing.stdout
    passing = subprocess.run([sys.executable, "-m", "study", "gradcheck", "--fault", "none"],
                             capture_output=True, text=True)
    assert passing.returncode == 0 and "FAIL" not in passing.stdout


def test_gradcheck_unknown_fault_lists_the_valid_ones(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["gradcheck", "--fault", "typo"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert all(name in err for name in FAULTS)


# --- configuration --------------------------------------------------------------------------------

def test_a_fault_needing_another_activation_is_a_config_error():
    with pytest.raises(ConfigError, match="fault sigmoid_prime .* needs activation sigmoid, got relu"):
        make_config({"fault": "sigmoid_prime", "activation": "relu"})


def test_unknown_fault_is_a_config_error_listing_the_valid_ones():
    with pytest.raises(ConfigError) as error:
        make_config({"fault": "sum_costs"})
    assert all(name in str(error.value) for name in FAULTS)
    with pytest.raises(ValueError, match="valid: none, sigmoid_prime"):
        get_fault("bogus")


def test_train_command_refuses_the_combination_in_one_line(capsys, data_env, tmp_path):
    out = tmp_path / "run.csv"
    code = main(["train", "--fault", "sigmoid_prime", "--activation", "relu", "--epochs", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "needs activation sigmoid" in err and "Traceback" not in err
    assert not out.exists()


def test_sweep_refuses_the_combination_in_one_line(capsys, data_env, tmp_path):
    experiment = tmp_path / "bad.toml"
    experiment.write_text('name = "bad"\n[base]\nepochs = 1\n[grid]\nactivation = ["sigmoid", "relu"]\n'
                          'fault = ["sigmoid_prime"]\n')
    code = main(["sweep", str(experiment), "--results", str(tmp_path / "results"), "--jobs", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "needs activation sigmoid, got relu" in err and str(experiment) in err
    assert not (tmp_path / "results").exists()


def test_fault_runs_are_labelled_and_never_share_an_id():
    ids = {make_config({"fault": name, "activation": "sigmoid"}).run_id for name in FAULTS}
    assert len(ids) == len(FAULTS)
    cfg = make_config({"fault": "sum_cost", "hidden": HIDDEN, "epochs": 1, "n_val": 0})
    rows = epoch_rows(cfg, train(cfg, synthetic_dataset()).rows)
    assert [row["fault"] for row in rows] == ["sum_cost", "sum_cost"]


def test_default_is_the_correct_network():
    assert make_config({}).fault == "none"
    none = FAULTS["none"]
    assert none.network(acts.relu, acts.relu_prime) == (acts.relu, acts.relu_prime)
    assert (none.recorded_cost, none.sum_gradient, none.breaks_gradient) == (None, False, False)
