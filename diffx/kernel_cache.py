"""The compiled tier's on-disk cache: where the generated kernel and numba's cache of it live,
and the pruning of kernels no process has loaded for a month (another diffx version's, left
behind by an upgrade: a few MB each)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Where the generated kernel and numba's cache of it live: ``DIFFX_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/diffx`` (``~/.cache/diffx``)."""
    own = os.environ.get("DIFFX_CACHE_DIR")
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "diffx"


STALE_DAYS = 30  # a kernel no process has loaded for this long is another version's leftover


def prune(path: Path) -> None:
    """Mark the kernel at ``path`` as loaded now (a ``.used`` file beside it: touching the
    module itself would make numba's cache of it stale), and delete the kernels, with numba's
    cache of them, that no process has loaded for ``STALE_DAYS`` days: other diffx versions'
    leftovers, a few MB each. Kernels in use by another installation sharing the directory
    are kept."""
    import time

    now = time.time()
    try:
        path.with_suffix(".used").touch()
        for other in path.parent.glob("diffx_kernel_*.py"):
            mark = other.with_suffix(".used")
            if other == path or now - (mark if mark.exists() else other).stat().st_mtime \
                    < STALE_DAYS * 86400:
                continue
            for f in (other, mark, *(path.parent / "__pycache__").glob(other.stem + ".*")):
                f.unlink(missing_ok=True)
    except OSError:  # a read-only or shared cache directory: nothing is pruned
        pass
