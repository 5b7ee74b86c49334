"""The report's questions, in the order the report asks them.

Each is a folder here whose __init__.py defines QUESTION (analysis/context.py says what it holds).
Adding a question is one folder and one line below.
"""

from importlib import import_module

ORDER = (
    "spikes",  # which settings give spiky curves (what causes them, 1)
    "eos",  # sharpness against 2/lr (what causes them, 2)
    "kink",  # relu's kink or not (what causes them, 3)
    "acceptable",  # are spiky settings acceptable; what a late spike costs
    "choice",  # how the learning rates were chosen on validation
    "winner",  # which activation wins, paired by seed
    "budgets",  # does the winner depend on the budget
    "overfit",  # train, validation and test at the chosen settings
    "inactive",  # dead and saturated units
    "faults",  # the learner's bugs
    "optimizers",  # mini-batches, momentum, Adam
    "remedies",  # what to do about the spikes
    "data",  # what was run, and the warnings
    "summary",  # the table per setting
)


def listed(order=ORDER):
    """The QUESTION of each folder named in `order`, in that order."""
    return [import_module(f"{__name__}.{name}").QUESTION for name in order]


QUESTIONS = listed()
