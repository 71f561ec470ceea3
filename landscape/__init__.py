"""landscape: exact analysis of the loss landscape of two-layer ReLU networks.

The network ``f(x) = sum_j a_j relu(w_j . x)`` is trained on a small dataset with the
loss ``(1/n) sum_i (f(x_i) - y_i)^2 + lam (|a|^2 + |W|_F^2)``.  The package enumerates
the cells of the data's hyperplane arrangement exactly, solves the convex reformulation
of Pilanci & Ergen (2020) with certified bounds, and classifies networks and regions.
"""

__version__ = "0.1.0"

from .data import Dataset, generate, load_dataset, save_dataset  # noqa: E402
from .errors import InputError, TooLargeError  # noqa: E402

__all__ = ["Dataset", "generate", "load_dataset", "save_dataset", "InputError", "TooLargeError",
           "__version__"]
