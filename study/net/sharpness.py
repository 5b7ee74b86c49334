"""Sharpness: the largest eigenvalue of the Hessian of the training cost, measured during training.

Method. The cost is the mean cross-entropy on a fixed subset of the training images (5000 by
default); the Hessian is with respect to all parameters. Lanczos iteration with full
reorthogonalization gives the largest *algebraic* eigenvalue directly (power iteration would find
the largest in magnitude, which may be negative). It starts from the previous measurement's top
eigenvector and stops when the top Ritz pair's residual |H y - theta y| (free from the Lanczos
recurrence) is within `tol` (1e-3) of |theta|, or after `max_iterations` (30). That is ARPACK's
test; the eigenvalue's error is about residual^2 / gap, so it stays small even when the top two
eigenvalues are 1% apart, as they are at the edge of stability. The earlier rule, "the estimate
moved by less than 1e-3", stopped there up to 2.7e-3 low: the estimate creeps up slowly.
scipy.sparse.linalg.eigsh (ARPACK, restarted) on the same products and with the same test needed
more products for the same accuracy (bench/sharpness.py, docs/sharpness.md), so this one stays.

Hessian-vector products are central differences of the analytic gradient, in float64:
Hv = (g(theta + eps v) - g(theta - eps v)) / (2 eps), eps = 1e-7 (1 + |theta|) for a unit v.
Layer 1 is linear in its parameters, so a product needs the matmuls of one gradient, not two: its
pre-activations on the two sides are Z1 +- eps (X V1 + c1) (one matmul with X), and its weights'
part of Hv is X^T (delta1+ - delta1-) / (2 eps) (one more). Kinks (relu, leaky relu): where f'
differs between the two sides by more than KINK_JUMP (a smooth f' moves by 2 eps |f''| |dz|, below
1e-4 here), a pre-activation crossed a kink; there both sides use f's linearization at theta
(f'' = 0, f' = f'(z)), which is what automatic differentiation computes. Without this, on a trained
relu network about one product in four crossed a kink, each crossing adding a spike ~1/eps.

Accuracy. On trained relu networks Hv agrees with an exact (Pearlmutter) product to 2e-11
(median; worst 3e-9); on small networks the eigenvalue matches numpy.linalg.eigvalsh of the full
Hessian to 1e-8 (tests/test_sharpness.py). The stopping rule left the eigenvalue within 1e-5
(relative) of a converged one at the 24 warm-started measurements of `python -m bench.sharpness`
(relu, tanh; 784-128-64-10; two seeds); docs/sharpness.md promises 3e-4. A start with almost
nothing along the top eigenvector (under ~3% of its length, synthetic spectrum with a close top
pair) ends at the second eigenvalue, as eigsh does. A 5000-image subset's sharpness is within 2%
of the full 60000-image training set's.

Cost. A product costs about 1.3 float64 gradients on the subset (0.06 s for 5000 images on
784-128-64-10, one core); a measurement takes 5-17 products (9-10 for the first, from a random
start) and ~140 MB of buffers. With sharpness_every=10, a 40-epoch full-MNIST float32 run took
13% more CPU time under the earlier rule, which used 26-33% fewer products (docs/sharpness.md).
"""

import numpy as np

from study.net.mlp import Workspace, layers, n_params, softmax_cross_entropy

MAX_ITERATIONS = 30
TOL = 1e-3  # stop when the top Ritz pair's residual |H y - theta y| is within TOL |theta|
STEP = 1e-7  # eps = STEP (1 + |theta|): small, so pre-activations rarely cross a kink
KINK_JUMP = 1e-3  # |f'(z+) - f'(z-)| above this between the two sides means z crossed a kink


class SharpnessProbe:
    """probe(theta) -> largest Hessian eigenvalue of the mean cross-entropy on (X, y)."""

    def __init__(self, sizes, X, y, f, f_prime, rng, max_iterations=MAX_ITERATIONS, tol=TOL):
        self.sizes, self.y, self.f, self.f_prime = list(sizes), np.asarray(y), f, f_prime
        self.max_iterations, self.tol = max_iterations, tol
        self.X = np.asarray(X, dtype=np.float64)
        n, size = len(self.X), n_params(self.sizes)
        self.theta = np.empty(size)  # float64 copy of the parameters being measured
        self.eps = 0.0
        # Z, H = f(Z) and D = f'(Z) of every hidden layer: at theta, theta + eps v, theta - eps v
        self.base, *self.sides = (Workspace(self.sizes, n, np.float64) for _ in range(3))
        self.D_base, *self.D_sides = ([np.empty_like(Z) for Z in self.base.Z] for _ in range(3))
        self.dZ1 = np.empty((n, self.sizes[1]))  # change of layer 1's pre-activations along v
        self.shifted = np.empty((2, size))  # theta + eps v, theta - eps v
        self.grads = np.zeros((2, size))  # gradients there (layer 1's part stays 0, unused)
        self.scratch = [np.empty_like(Z) for Z in self.base.Z]
        self.kink = [np.empty(Z.shape, dtype=bool) for Z in self.base.Z]
        self.basis = np.empty((max_iterations, size))  # Lanczos vectors, one per row
        self.product = np.empty(size)
        self.vector = unit(rng.standard_normal(size))  # warm start: the last top eigenvector
        self.iterations = 0  # Hessian-vector products the last measurement took

    def __call__(self, theta):
        """Largest Hessian eigenvalue at theta (left unchanged); keeps its eigenvector for next time."""
        self.at(theta)
        value, self.vector, self.iterations = lanczos_top(
            self.hvp, self.vector, self.basis, self.max_iterations, self.tol
        )
        return value

    def at(self, theta):
        """Make hvp the Hessian's product at theta (copied, float64): the shared forward pass."""
        np.copyto(self.theta, theta)
        self.eps = STEP * (1.0 + np.linalg.norm(self.theta))
        W1, b1 = layers(self.theta, self.sizes)[0]
        Z1 = first_preactivations(self.base)
        np.matmul(self.X, W1, out=Z1)
        Z1 += b1
        self.forward([self.base], [self.D_base], [self.theta])  # Z, H, f'(Z) at theta, shared

    def hvp(self, v):
        """H v by central differences (see the module docstring), into a reused buffer."""
        V1, c1 = layers(v, self.sizes)[0]
        np.matmul(self.X, V1, out=self.dZ1)
        self.dZ1 += c1
        for ws, shifted, sign in zip(self.sides, self.shifted, (1.0, -1.0)):
            np.multiply(v, sign * self.eps, out=shifted)
            shifted += self.theta
            Z1 = first_preactivations(ws)
            np.multiply(self.dZ1, sign * self.eps, out=Z1)
            Z1 += first_preactivations(self.base)
        self.forward(self.sides, self.D_sides, self.shifted)
        for ws in self.sides:
            softmax_cross_entropy(ws.logits, self.y, ws)  # logits -> dcost/dlogits
        delta_plus, delta_minus = (self.backward(side) for side in range(2))
        delta_plus -= delta_minus  # dcost/dZ1 at theta + eps v minus at theta - eps v
        out = self.product
        np.subtract(self.grads[0], self.grads[1], out=out)
        W1, b1 = layers(out, self.sizes)[0]
        np.matmul(self.X.T, delta_plus, out=W1)
        np.sum(delta_plus, axis=0, out=b1)
        out *= 0.5 / self.eps
        return out

    def forward(self, workspaces, derivatives, thetas):
        """Layer 1's pre-activations (already in each workspace) -> H, f'(Z) and logits.

        With two workspaces (the two sides), hidden layers go in step so kinks can be linearized.
        """
        for k in range(len(self.base.Z)):
            for ws, D in zip(workspaces, derivatives):
                self.f(ws.Z[k], out=ws.H[k])
                self.f_prime(ws.Z[k], out=D[k])
            if len(workspaces) == 2:
                self.linearize_kinks(k)
            for ws, theta in zip(workspaces, thetas):
                W, b = layers(theta, self.sizes)[k + 1]
                Z_next = ws.Z[k + 1] if k + 1 < len(ws.Z) else ws.logits
                np.matmul(ws.H[k], W, out=Z_next)
                Z_next += b

    def linearize_kinks(self, k):
        """Where f' jumps between the sides, use f's linearization at theta: f'' = 0 at a kink."""
        D_plus, D_minus = (D[k] for D in self.D_sides)
        scratch, kink = self.scratch[k], self.kink[k]
        np.subtract(D_plus, D_minus, out=scratch)
        np.greater(np.abs(scratch, out=scratch), KINK_JUMP, out=kink)
        if not kink.any():
            return  # smooth activations, and nearly always relu too
        for ws, D in zip(self.sides, self.D_sides):
            np.subtract(ws.Z[k], self.base.Z[k], out=scratch)
            scratch *= self.D_base[k]
            scratch += self.base.H[k]  # f(z0) + f'(z0) (z - z0)
            np.copyto(ws.H[k], scratch, where=kink)
            np.copyto(D[k], self.D_base[k], where=kink)

    def backward(self, side):
        """Gradient of layers 2.. into grads[side]; returns dcost/dZ1 (in the side's workspace)."""
        ws, D = self.sides[side], self.D_sides[side]
        weights = layers(self.shifted[side], self.sizes)
        grads = layers(self.grads[side], self.sizes)
        delta = ws.logits
        for k in reversed(range(1, len(weights))):
            gW, gb = grads[k]
            np.matmul(ws.H[k - 1].T, delta, out=gW)
            np.sum(delta, axis=0, out=gb)
            delta = np.matmul(delta, weights[k][0].T, out=ws.H[k - 1])  # dcost/dH of layer k - 1
            delta *= D[k - 1]
        return delta


def first_preactivations(ws):
    """Where a workspace keeps layer 1's pre-activations: Z[0], or the logits if nothing is hidden."""
    return ws.Z[0] if ws.Z else ws.logits


def lanczos_top(hvp, start, basis, max_iterations, tol, converged=None):
    """(largest eigenvalue, its unit eigenvector, products used) of the operator `hvp`, by Lanczos.

    Stops when converged(estimates so far, top Ritz pair's residual, tol) (default: residual_small).
    """
    converged = converged or residual_small
    basis[0] = unit(start)
    alphas, betas, estimates = [], [], []
    for k in range(max_iterations):
        w = hvp(basis[k])
        alphas.append(float(w @ basis[k]))
        for _ in range(2):  # full reorthogonalization, twice: keeps the basis orthogonal to ~1e-16
            w -= basis[: k + 1].T @ (basis[: k + 1] @ w)
        tridiagonal = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        values, vectors = np.linalg.eigh(tridiagonal)
        estimates.append(float(values[-1]))
        beta = float(np.linalg.norm(w))
        residual = beta * abs(vectors[-1, -1])  # |H y - theta y| of the top Ritz pair, without a product
        if converged(estimates, residual, tol) or k + 1 == max_iterations or beta <= 1e-12 * abs(values).max():
            break  # small beta: the basis spans an invariant subspace, the Ritz values are exact
        betas.append(beta)
        basis[k + 1] = w / beta
    return estimates[-1], unit(basis[: k + 1].T @ vectors[:, -1]), k + 1


def residual_small(estimates, residual, tol):
    """ARPACK's test: the residual is within tol of |theta|, so some eigenvalue is that close to theta."""
    return residual <= tol * abs(estimates[-1])


def unit(v):
    return v / np.linalg.norm(v)
