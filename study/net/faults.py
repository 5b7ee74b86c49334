"""Mistakes from hand-written networks, reproduced on purpose: name -> Fault.

Never active unless a run asks for one (`fault` setting, default "none"). Each entry changes only
what its description says, so a run with a fault can be compared with the correct network at the
same settings. Fault runs carry their `fault` column in every result row.
"""

from dataclasses import dataclass

import numpy as np

from study.net.activations import relu, sigmoid


def wrong_sigmoid_prime(z, out=None):
    """The mistake sigmoid(z) * sigmoid(1 - z) (instead of sigmoid(z) * (1 - sigmoid(z)))."""
    other = sigmoid(1.0 - z)  # a temporary: out may be z itself
    out = sigmoid(z, out=out)
    out *= other
    return out


def class_mean_cost(losses):
    """-mean over samples AND classes of y log(p + 1e-9), from the per-sample -log p(y).

    With one-hot y only the true class has y = 1, so the double sum is sum_i log(p_i,y + 1e-9) and
    dividing by n x 10 instead of n gives the true cost / 10, up to the epsilon.
    """
    p_true = np.exp(-np.asarray(losses, dtype=np.float64))
    return float(-np.sum(np.log(p_true + 1e-9)) / (len(losses) * 10))


@dataclass(frozen=True)
class Fault:
    description: str
    forward: object = None  # replaces the activation in the forward pass
    derivative: object = None  # replaces the activation's derivative in the backward pass
    recorded_cost: object = None  # per-sample losses -> the number written as the cost
    sum_gradient: bool = False  # gradient of the sum over samples, not of the mean
    needs_activation: str = ""  # the mistake only exists in this activation's code
    changes_nothing_with: tuple = ()  # activations where the mistake computes the correct network
    breaks_gradient: bool = True  # gradcheck should flag it

    def network(self, f, f_prime):
        """(f, f_prime) the faulty network computes with."""
        return self.forward or f, self.derivative or f_prime


FAULTS = {
    "none": Fault("the correct network", breaks_gradient=False),
    "sigmoid_prime": Fault("sigmoid's derivative written sigmoid(z) * sigmoid(1 - z)",
                           derivative=wrong_sigmoid_prime, needs_activation="sigmoid"),
    "forward_relu": Fault("the forward pass always applies relu; the backward pass uses the chosen "
                          "activation's derivative", forward=relu, changes_nothing_with=("relu",)),
    "class_mean_cost": Fault("the recorded cost is -mean over samples and classes of y log(p + 1e-9); the "
                             "gradient is the correct one", recorded_cost=class_mean_cost, breaks_gradient=False),
    "sum_cost": Fault("the gradient of the sum of the per-sample costs instead of their mean (the recorded "
                      "cost stays the mean)", sum_gradient=True),
}


def get_fault(name):
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; valid: {', '.join(FAULTS)}")
    return FAULTS[name]
