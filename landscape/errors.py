"""Exceptions raised for bad input.

Every error a user can cause by what they pass in is an :class:`InputError`.  The
command-line interface turns it into a one-line message and exit status 2.
"""


class InputError(ValueError):
    """Malformed or inadmissible input: the message names the problem in one line."""


class TooLargeError(InputError):
    """The problem is larger than a configured limit.

    The message states the estimated size and the option that overrides the limit.
    """

    def __init__(self, what, estimate, limit, override):
        self.estimate = estimate
        self.limit = limit
        self.override = override
        super().__init__(
            f"{what}: estimated {estimate:,} exceeds the limit of {limit:,}; "
            f"raise it with {override}"
        )
