"""The compiled tier's kernel once this process has loaded it, for the graph's own set-up
passes (:mod:`diffx.node_arrays`, :mod:`diffx.sweep_plan`, :mod:`diffx.counts`): they sit
below :mod:`diffx.compiled`, which sets it, and use the kernel where it is loaded but never
load it (numba is imported only where :func:`diffx.compiled.worth_it` decides)."""

from __future__ import annotations

import os
from typing import Any

kernel: Any = None  # the loaded kernel module, set by diffx.compiled
MIN_NODES = 1_000  # from this many nodes the kernel's loop makes a pass, where it is loaded


def loaded_for(nodes: int) -> Any:
    """The loaded kernel for a pass over ``nodes`` nodes, or None (not loaded, or too few
    nodes for a call into it to pay, or the tier turned off: :func:`off`)."""
    return kernel if nodes >= MIN_NODES and not off() else None


def off() -> bool:
    """Whether ``DIFFX_COMPILED=0`` turns the tier off: then no pass runs in the kernel, even
    where this process has loaded it (the pure-Python engine alone, as the docs say)."""
    return os.environ.get("DIFFX_COMPILED") == "0"
