"""The width-m landscape: regions, their classes, proportions and counterexamples.

Modules: ``cache`` (certified solve cache), ``dual`` (dual point, active cones, direction
groups), ``width`` (L*_m), ``classify`` (support classes), ``proportions`` (exact
proportions), ``sampling`` (sampled proportions), ``landscape`` (the facade and
:func:`analyse`), ``counterexample``, ``verdict``.  The text table and summary files of
:func:`analyse` are rendered in the app layer (:mod:`landscape.app.summary`).
"""

from . import cache, classify, dual, landscape, proportions, sampling, width
from . import counterexample
from . import verdict
from .cache import *  # noqa: F401,F403
from .dual import *  # noqa: F401,F403
from .width import *  # noqa: F401,F403
from .classify import *  # noqa: F401,F403
from .proportions import *  # noqa: F401,F403
from .sampling import *  # noqa: F401,F403
from .landscape import *  # noqa: F401,F403
from .counterexample import *  # noqa: F401,F403
from .verdict import *  # noqa: F401,F403

__all__ = (cache.__all__ + dual.__all__ + width.__all__ + classify.__all__ + proportions.__all__
           + sampling.__all__ + landscape.__all__ + counterexample.__all__ + verdict.__all__)
