"""The vocabulary of results, defined once: solver statuses, verdicts on a point, classes of
a region, and the kinds of certificate (docs/theory.md, sections 3 and 4).

Every member is a :class:`enum.StrEnum`, so it compares equal to, and serialises as, its
lower-case value: ``Verdict.GLOBAL_MINIMUM == "global_minimum"``.

>>> Verdict("spurious_local_minimum") is Verdict.SPURIOUS_LOCAL_MINIMUM
True
>>> import json; json.dumps({"verdict": Verdict.UNDECIDED})
'{"verdict": "undecided"}'
>>> SolverStatus.OPTIMAL_INACCURATE.usable, SolverStatus.OPTIMAL.certifiable
(True, True)
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SolverStatus", "Verdict", "RegionClass", "CertificateKind"]


class SolverStatus(StrEnum):
    """What a solver backend said about a candidate (each backend maps its own codes here;
    a code it does not know maps to :attr:`ERROR`).

    Only :attr:`OPTIMAL` can end in a certified value.  :attr:`OPTIMAL_INACCURATE` still
    yields proven bounds (the certificate does not trust the solver) but never counts as
    certified on its status alone.
    """

    OPTIMAL = "optimal"
    OPTIMAL_INACCURATE = "optimal_inaccurate"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    MAX_ITERATIONS = "max_iterations"
    ERROR = "error"

    @property
    def usable(self) -> bool:
        """The candidate is worth turning into proven bounds."""
        return self in (SolverStatus.OPTIMAL, SolverStatus.OPTIMAL_INACCURATE)

    @property
    def certifiable(self) -> bool:
        """A value from this status may be called certified (given a small proven gap)."""
        return self is SolverStatus.OPTIMAL


class Verdict(StrEnum):
    """The verdict on a point of parameter space (``check``, counterexamples, endpoints)."""

    GLOBAL_MINIMUM = "global_minimum"
    SPURIOUS_LOCAL_MINIMUM = "spurious_local_minimum"
    NOT_A_LOCAL_MINIMUM = "not_a_local_minimum"
    NOT_CONVERGED = "not_converged"
    UNDECIDED = "undecided"


class RegionClass(StrEnum):
    """The class of a region of width-``m`` parameter space (docs/theory.md, section 4)."""

    GLOBAL = "global"
    SPURIOUS = "spurious"
    BOUNDARY_DESCENT = "boundary_descent"
    BOUNDARY_LOCAL_MIN = "boundary_local_min"
    UNCERTIFIED = "uncertified"


class CertificateKind(StrEnum):
    """What a certificate proves; its ``type`` field in JSON."""

    # a point is a minimum
    EXACT_LOCAL_MINIMUM = "exact_local_minimum"
    INTERIOR_MINIMUM = "interior_minimum"
    REGION_INTERIOR_MINIMUM = "region_interior_minimum"
    REGION_GLOBAL = "region_global"
    REGION_OPTIMUM_IS_GLOBAL = "region_optimum_is_global"
    EXACT_DUAL = "exact_dual"
    VALIDATED_CRITICAL_POINT = "validated_critical_point"  # interval Newton, docs/theory.md section 9
    # a point is not a local minimum: each carries its descent direction
    KKT_VIOLATION = "kkt_violation"
    ZERO_NEURON_CAN_GROW = "zero_neuron_can_grow"
    IMBALANCE = "imbalance"
    NON_PARALLEL_IN_CONE = "non_parallel_in_cone"
    RADIAL = "radial"
    # a region holds no interior minimiser
    NO_INTERIOR_MINIMISER = "no_interior_minimiser"
    CONE_MAY_BE_UNUSED = "cone_may_be_unused"
    MINIMISER_MAY_TOUCH_FACET = "minimiser_may_touch_facet"
    UNCERTIFIED = "uncertified"
