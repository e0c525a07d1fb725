"""The core's exception tree.

Every error the core raises on purpose derives from :class:`CoreError`. The web edge
and the command line turn these into a clear one-line message (4xx for the API),
never a traceback. Each area adds its own subclasses next to its code, deriving from
one of the classes below.
"""


class CoreError(Exception):
    """Base of every deliberate error raised by the pure core."""

    code = "core_error"


class InvalidInput(CoreError):
    """The caller gave data the core cannot work with (bad file, bad number …)."""

    code = "invalid_input"


class Infeasible(CoreError):
    """A problem has no solution under the given constraints."""

    code = "infeasible"


class StateConflict(CoreError):
    """A requested transition is not allowed from the current state."""

    code = "state_conflict"
