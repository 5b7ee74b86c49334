"""The network as plain arrays and four stages: init -> forward -> backward -> step.

Shapes (one row per sample): X (n, 784); W (fan_in, fan_out); b (fan_out,); pre-activations
Z and activations H of a hidden layer (n, fan_out); logits and probabilities (n, 10); y (n,) labels.
All parameters live in one flat vector `theta`; `layers(theta, sizes)` gives (W, b) views into it,
so an update, a gradient norm or a Hessian-vector product is one vector operation.
"""

import numpy as np

INITS = {  # name -> standard deviation of W given (fan_in, fan_out); biases start at 0
    "he": lambda fan_in, fan_out: np.sqrt(2.0 / fan_in),
    "glorot": lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out)),
}


def layer_sizes(n_inputs, hidden, n_classes):
    return [n_inputs, *hidden, n_classes]


def n_params(sizes):
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


def layers(theta, sizes):
    """[(W, b), ...]: views into the flat vector `theta` (also used for gradients)."""
    views, start = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = theta[start : start + fan_in * fan_out].reshape(fan_in, fan_out)
        start += fan_in * fan_out
        views.append((W, theta[start : start + fan_out]))
        start += fan_out
    return views


def init_params(sizes, init, rng, dtype="float32"):
    """Gaussian weights with the init's standard deviation, zero biases, as one flat vector."""
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; valid: {', '.join(INITS)}")
    theta = np.zeros(n_params(sizes), dtype=dtype)
    for W, _ in layers(theta, sizes):
        W[...] = rng.normal(0.0, INITS[init](*W.shape), size=W.shape)
    return theta


class Workspace:
    """Buffers for one batch size, allocated once and reused every epoch."""

    def __init__(self, sizes, n, dtype):
        self.Z = [np.empty((n, k), dtype) for k in sizes[1:-1]]
        self.H = [np.empty((n, k), dtype) for k in sizes[1:-1]]
        self.logits = np.empty((n, sizes[-1]), dtype)
        self.row_max = np.empty((n, 1), dtype)
        self.row_sum = np.empty((n, 1), dtype)
        self.losses = np.empty(n, dtype)  # per-sample -log p(y) of the last softmax_cross_entropy

    def head(self, n):
        """A workspace for n <= self's rows made of views of self's first n rows: no new memory,
        but a pass through either overwrites the other's buffers."""
        view = object.__new__(Workspace)
        for name, value in vars(self).items():
            setattr(view, name, [a[:n] for a in value] if isinstance(value, list) else value[:n])
        return view


def forward(theta, sizes, X, f, ws):
    """Logits of the network on X; keeps each hidden layer's Z and H in the workspace."""
    *hidden, (W_out, b_out) = layers(theta, sizes)
    H = X
    for (W, b), Z, H_next in zip(hidden, ws.Z, ws.H):
        np.matmul(H, W, out=Z)
        Z += b
        H = f(Z, out=H_next)
    np.matmul(H, W_out, out=ws.logits)
    ws.logits += b_out
    return ws.logits


def softmax_cross_entropy(logits, y, ws):
    """Mean over samples of the summed-over-classes cross-entropy, and accuracy.

    Computed from the logits with log-sum-exp, so it is finite for any finite logits. Overwrites
    `logits` with (p - onehot(y)) / n: the gradient of the mean cost with respect to the logits.
    """
    n = len(y)
    rows = np.arange(n)
    correct = logits.argmax(axis=1) == y
    row_max(logits, out=ws.row_max)
    logits -= ws.row_max  # shifted: every row's largest entry is 0
    true_class_shifted = logits[rows, y]  # fancy indexing copies, before exp overwrites
    np.exp(logits, out=logits)
    np.sum(logits, axis=1, keepdims=True, out=ws.row_sum)
    # -log p(y) = log(sum_k e^shifted_k) - shifted_y; sum over samples, then divide by n
    losses = np.log(ws.row_sum[:, 0], out=ws.losses)
    losses -= true_class_shifted
    cost = float(np.sum(losses, dtype=np.float64)) / n
    logits /= ws.row_sum  # probabilities p
    logits[rows, y] -= 1.0
    logits /= n  # dlogits = (p - onehot(y)) / n, the gradient of the mean cost
    return cost, float(np.mean(correct))


def row_max(a, out):
    """np.max(a, axis=1, keepdims=True, out=out), same numbers, ~10x faster for 10 columns: a
    reduction along short rows pays numpy's per-row overhead n times, a column at a time does not."""
    column = out[:, 0]
    np.copyto(column, a[:, 0])
    for j in range(1, a.shape[1]):
        np.maximum(column, a[:, j], out=column)
    return out


def backward(theta, sizes, X, dlogits, f_prime, ws, grad):
    """Gradient of the cost into the flat vector `grad`; overwrites the workspace's Z and H.

    After it returns, ws.Z[k] holds f'(Z[k]), which the dead-unit count reads.
    """
    weights = layers(theta, sizes)
    grads = layers(grad, sizes)
    delta = dlogits  # dcost/dZ of the current layer, (n, fan_out)
    for k in reversed(range(len(weights))):
        gW, gb = grads[k]
        H_in = X if k == 0 else ws.H[k - 1]
        np.matmul(H_in.T, delta, out=gW)
        np.sum(delta, axis=0, out=gb)  # bias gradient: sum over samples (1/n is already in delta)
        if k == 0:
            break
        # H[l-1] has been used for gW, so its buffer takes dcost/dH[l-1], then dcost/dZ[l-1]
        delta_prev = np.matmul(delta, weights[k][0].T, out=ws.H[k - 1])
        delta_prev *= f_prime(ws.Z[k - 1], out=ws.Z[k - 1])
        delta = delta_prev
    return grad


def step(theta, grad, lr):
    """One gradient-descent update, in place; scales `grad` by lr as a side effect."""
    grad *= lr
    theta -= grad


def evaluate(theta, sizes, X, y, f, ws):
    """(cost, accuracy) from a forward pass only."""
    return softmax_cross_entropy(forward(theta, sizes, X, f, ws), y, ws)


def cost_and_grad(theta, sizes, X, y, f, f_prime, ws=None, grad=None):
    """(cost, accuracy, grad) on (X, y): forward, loss, backward."""
    ws = ws or Workspace(sizes, len(X), theta.dtype)
    grad = np.empty_like(theta) if grad is None else grad
    cost, acc = softmax_cross_entropy(forward(theta, sizes, X, f, ws), y, ws)
    backward(theta, sizes, X, ws.logits, f_prime, ws, grad)
    return cost, acc, grad
