"""The methods: every differentiator behind one interface (:mod:`diffx.methods.base` holds
the registry); importing this package registers ``symbolic``, ``numeric``, ``reverse``,
``forward`` and ``matrix``. The methods import the registry from ``base``, never from this
package, so the package and its methods import each other in one direction only.
"""

# registration, in the order the methods are shown (tables, compare's rows)
from . import symbolic  # noqa: F401,I001
from . import numeric  # noqa: F401
from . import reverse  # noqa: F401
from . import forward  # noqa: F401
from . import matrix  # noqa: F401
from .base import (
    DEFAULT_METHODS,
    MAX_ROUTE_LIMIT,
    REGISTRY,
    Method,
    MethodError,
    check_route_limit,
    check_timeout,
    get,
    new_result,
    register,
    to_python,
    use_other_mode_where_nan,
)

__all__ = [
    "DEFAULT_METHODS", "MAX_ROUTE_LIMIT", "REGISTRY", "Method", "MethodError",
    "check_route_limit", "check_timeout", "get", "new_result", "register", "to_python",
    "use_other_mode_where_nan",
]
