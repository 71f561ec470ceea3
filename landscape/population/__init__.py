"""The population loss of a student network against a teacher with Gaussian inputs: the
loss in float and ball arithmetic, gradient-descent searches, certified critical points
and their spectra (Safran & Shamir 2018; Arjevani & Field 2020; docs/theory.md, sections 8
and 9)."""

from . import certify as _certify
from . import interval as _interval
from . import kernel as _kernel
from . import literature as _literature
from . import overparam as _overparam
from . import search as _search
from . import spectrum as _spectrum
from . import symmetry as _symmetry

__all__ = (_kernel.__all__ + _interval.__all__ + _spectrum.__all__ + _symmetry.__all__ + _certify.__all__
           + _overparam.__all__ + _search.__all__ + _literature.__all__)

from .certify import *  # noqa: F401,F403,E402
from .interval import *  # noqa: F401,F403,E402
from .kernel import *  # noqa: F401,F403,E402
from .literature import *  # noqa: F401,F403,E402
from .overparam import *  # noqa: F401,F403,E402
from .search import *  # noqa: F401,F403,E402
from .spectrum import *  # noqa: F401,F403,E402
from .symmetry import *  # noqa: F401,F403,E402
