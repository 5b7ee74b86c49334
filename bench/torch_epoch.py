"""The bench's PyTorch row: the trainer's epoch written the ordinary PyTorch way, on the CPU.

Same data, shapes, dtype, starting parameters, learning rate and thread count as the NumPy run;
autograd for the gradient; the same per-epoch numbers (train and test cost and accuracy, the
gradient norm, the inactive fraction of each hidden layer), then the same update.
"""

from study.net.mlp import layers


def torch_version():
    """'torch 2.x (MKL)' or None when PyTorch is not installed (an optional extra: .[bench])."""
    try:
        import torch
    except ImportError:
        return None
    return f"torch {torch.__version__} ({'MKL' if torch.backends.mkl.is_available() else 'no MKL'})"


def torch_epoch(run, threads):
    """A callable doing one epoch of `run` in PyTorch (relu only), or None without PyTorch."""
    if torch_version() is None:
        return None
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    X, y = torch.from_numpy(run.X), torch.from_numpy(run.y)  # shares NumPy's memory
    X_test, y_test = torch.from_numpy(run.X_test), torch.from_numpy(run.y_test)
    params = [torch.tensor(a, requires_grad=True) for pair in layers(run.theta, run.sizes) for a in pair]
    lr = run.cfg.lr

    def forward(X):
        """Logits, and each hidden layer's pre-activations (kept for the inactive count)."""
        H, pre = X, []
        for W, b in zip(params[:-2:2], params[1:-2:2]):
            pre.append(torch.addmm(b, H, W))
            H = torch.relu(pre[-1])
        return torch.addmm(params[-1], H, params[-2]), pre

    def epoch():
        logits, pre = forward(X)
        cost = F.cross_entropy(logits, y)
        cost.backward()
        with torch.no_grad():
            test_logits, _ = forward(X_test)
            row = {
                "train_cost": cost.item(),
                "train_acc": (logits.argmax(1) == y).double().mean().item(),
                "test_cost": F.cross_entropy(test_logits, y_test).item(),
                "test_acc": (test_logits.argmax(1) == y_test).double().mean().item(),
                "grad_norm": torch.sqrt(sum((p.grad * p.grad).sum() for p in params)).item(),
                # relu's f' is 0 (its floor) exactly where z <= 0
                **{f"inactive_{k}": (Z.amax(0) <= 0).double().mean().item() for k, Z in enumerate(pre, 1)},
            }
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return row

    return epoch
