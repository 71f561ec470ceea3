r"""Checks of published facts about the population loss, for ``landscape verify``
(docs/theory.md, section 8).  Each returns ``{"expected", "observed", "passed"}`` (text,
text, bool) computed from the published value or the closed form and from this package.

>>> out = check_global_minimum_eigenvalue(4)
>>> out["passed"]
True

References
----------
I. Safran, O. Shamir, "Spurious local minima are common in two-layer ReLU neural
networks", ICML 2018, Table 1.  Y. Arjevani, M. Field, NeurIPS 2020 (the spectrum at
``W = I``).
"""

from __future__ import annotations

import math

from .certify import PointVerdict, certify_point
from .kernel import teacher
from .search import run_search

__all__ = ["PUBLISHED_SHARES", "check_global_minimum_eigenvalue", "check_spurious_share"]

#: Safran & Shamir (2018), Table 1: share of 1000 runs ending at spurious minima, n = k
PUBLISHED_SHARES = {6: 0.003, 7: 0.055, 8: 0.126, 9: 0.218, 10: 0.346, 11: 0.455, 12: 0.585, 13: 0.730,
                    14: 0.736, 15: 0.803, 16: 0.851, 17: 0.897, 18: 0.900, 19: 0.934, 20: 0.949}


def check_global_minimum_eigenvalue(k=6):
    """``W = I`` is a certified strict local minimum whose smallest Hessian eigenvalue is
    enclosed around ``(pi - 2) / (4 pi)`` in an interval narrower than ``1e-7``."""
    low = (math.pi - 2) / (4 * math.pi)
    cert = certify_point(teacher(k), teacher(k))
    lo, hi = cert.hessian_min_eig_lower, cert.hessian_min_eig_upper
    ok = (cert.verdict == PointVerdict.LOCAL_MINIMUM and lo is not None and lo <= low <= hi and hi - lo < 1e-7)
    return {"expected": f"local minimum, lambda_min = (pi - 2)/(4 pi) = {low:.10f}",
            "observed": f"{cert.verdict}, lambda_min in [{lo}, {hi}]", "passed": bool(ok)}


def check_spurious_share(k=10, runs=200, seed=0, smallest_loss=0.01870):
    """The share of runs ending at spurious minima agrees with Table 1 within three binomial
    standard errors, every spurious family is certified, and the smallest certified spurious
    loss rounds to the published one (``0.01870`` at ``k = 10``; ``None`` skips that part)."""
    res = run_search(k, runs=runs, seed=seed)
    p, pub = res.share_spurious, PUBLISHED_SHARES[k]
    se = math.sqrt(p * (1 - p) / runs + pub * (1 - pub) / 1000)
    spur = [f for f in res.families if f.spurious]
    certified = all(f.verdict == PointVerdict.LOCAL_MINIMUM for f in spur)
    low = min((f.certificate.loss_lower for f in spur if f.certificate and f.certificate.loss_lower is not None),
              default=None)
    loss_ok = smallest_loss is None or (low is not None and abs(low - smallest_loss) <= 5e-6)
    ok = abs(p - pub) <= 3 * se and certified and loss_ok
    return {"expected": f"share {pub:.3f} (1000 runs), smallest spurious loss {smallest_loss}",
            "observed": f"share {p:.3f} +- {math.sqrt(p * (1 - p) / runs):.3f} ({runs} runs), smallest certified "
                        f"spurious loss {low}, {sum(f.verdict == PointVerdict.LOCAL_MINIMUM for f in spur)}"
                        f"/{len(spur)} spurious families certified",
            "passed": bool(ok)}
