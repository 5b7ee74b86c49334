"""python -m bench.machine: what this machine is, as a measurement or a CI log should say it.

CPU model and cores, Python and NumPy, each BLAS library with the kernel it picked and its
threads (threadpoolctl), the OpenBLAS variables that were set, and whether real MNIST was found.
"""

import os
import platform
import sys
from pathlib import Path


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_lines():
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return [f"{p['internal_api']} {p['version']}, kernel {p.get('architecture') or '?'}, {p['num_threads']} thread(s)"
            for p in pools] or ["none found"]


def mnist_found():
    """Where real MNIST was found without downloading, or why not."""
    from study.data.datasets import files_in, search_dirs

    for folder in search_dirs("mnist"):
        if files_in(folder):
            return f"yes, in {folder}"
    return "no (real-data tests are skipped; every other test uses a synthetic MNIST)"


def describe():
    import numpy as np

    hints = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    return {"cpu": f"{cpu_model()}, {os.cpu_count()} core(s), {platform.machine()}",
            "python": f"{platform.python_version()}, numpy {np.__version__}",
            "blas": "; ".join(blas_lines()),
            "openblas variables": ", ".join(f"{k}={v}" for k, v in sorted(hints.items())) or "none set",
            "real MNIST": mnist_found()}


def main():
    for key, value in describe().items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
