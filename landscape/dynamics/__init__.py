r"""Training dynamics against the landscape: gradient descent and flow, the regions they
cross, and the exact status of where they end.

The network ``f(x) = sum_j a_j relu(w_j . x)`` is trained on the loss of docs/theory.md,
section 1.  Everything the trainers produce is floating point: the trajectory is a
*candidate* description of the run.  Only :func:`classify_endpoint` uses certificates, and
what it decides is the status of the *polished point* near the run's end.

Modules (one concept each):

* :mod:`~landscape.dynamics.loss` -- the float loss and its gradient;
* :mod:`~landscape.dynamics.init` -- initial networks;
* :mod:`~landscape.dynamics.record` -- the recorder: :class:`Trajectory`, cell changes as
  integer arrays, supports, directions, ranks;
* :mod:`~landscape.dynamics.descent` -- gradient descent (:func:`train`, :func:`train_batch`);
* :mod:`~landscape.dynamics.flow` -- gradient flow (:func:`train_flow`);
* :mod:`~landscape.dynamics.endpoint` -- :func:`classify_endpoint`;
* :mod:`~landscape.dynamics.output` -- result files, plots and the ``landscape train`` command;
* :mod:`~landscape.dynamics.search` -- counterexamples found by descent (:func:`descent_counterexample`);
* :mod:`~landscape.dynamics.plateaus`, :mod:`~landscape.dynamics.metrics`,
  :mod:`~landscape.dynamics.measured` -- loss plateaus, input gradients off the data's
  span, and the ``train_measured`` sweep kind (floating point only; imported on use).

References
----------
E. Boursier, M. Bowditch, M. Englert, R. Lazic, "A theoretical framework for the loss
landscape of two-layer ReLU networks with weight decay", 2025.  D. Chistikov, M. Englert,
R. Lazic, "Learning a neuron by a shallow ReLU network: dynamics and implicit bias for
correlated inputs", NeurIPS 2023.

Examples
--------
>>> from landscape.data import generate
>>> run = train(generate("theorem2", d=3), lam=1e-3, width=20, init_scale=0.1, lr=0.05, steps=2000)
>>> run.stop_reason, run.steps, bool(run.records["loss"][-1] < run.records["loss"][0])
('budget', 2000, True)
"""

from . import descent, endpoint, flow, init, loss, output, record, search
from .descent import *  # noqa: F401,F403
from .endpoint import *  # noqa: F401,F403
from .flow import *  # noqa: F401,F403
from .init import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .output import *  # noqa: F401,F403
from .record import *  # noqa: F401,F403
from .search import *  # noqa: F401,F403

__all__ = (loss.__all__ + init.__all__ + record.__all__ + descent.__all__ + flow.__all__ + endpoint.__all__
           + output.__all__ + search.__all__)
