"""Does a run fit in this machine's memory? Checked where a run starts, not in what a config is."""

import os

from study.config import ConfigError, hidden_text
from study.data.datasets import N_CLASSES, N_TRAIN
from study.net.mlp import n_params
from study.net.optimizers import OPTIMIZERS


def memory_needed(cfg):
    """Bytes a run needs at least: parameter-sized vectors plus every hidden layer's buffers."""
    itemsize = 4 if cfg.dtype == "float32" else 8
    sizes = [784, *cfg.hidden, N_CLASSES]
    rows = cfg.n_train or N_TRAIN - cfg.n_val
    vectors = 2 + OPTIMIZERS[cfg.optimizer].state_vectors  # theta, grad, optimizer state
    activations = 2 * sum(cfg.hidden) + 3 * N_CLASSES  # Z and H per hidden layer, logits
    return itemsize * (vectors * n_params(sizes) + rows * (784 + activations))


def physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(cfg, available=None):
    """ConfigError when the run cannot fit in `available` bytes (default: this machine's memory)."""
    available = available or physical_memory()
    needed = memory_needed(cfg)
    if available and needed > available:
        raise ConfigError(f"hidden {hidden_text(cfg.hidden)} needs about {needed / 2**30:.1f} GiB for its "
                          f"parameters and activations, more than this machine's {available / 2**30:.1f} GiB; "
                          "use smaller hidden sizes or n_train")
