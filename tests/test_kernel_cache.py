"""The compiled tier's cache directory keeps the kernels in use and drops those no process has
loaded for a month (another diffx version's), with numba's cache files of them."""

from __future__ import annotations

import os
import time
from pathlib import Path

from diffx.kernel_cache import STALE_DAYS, cache_dir, prune


def _kernel(directory: Path, digest: str, age_days: float, mark: bool = False) -> list[Path]:
    """A kernel module, two numba cache files of it and (``mark``) its .used mark, all last
    touched ``age_days`` ago."""
    (directory / "__pycache__").mkdir(exist_ok=True)
    stem = f"diffx_kernel_{digest}"
    files = [directory / f"{stem}.py", directory / "__pycache__" / f"{stem}.forward-19.py311.nbi",
             directory / "__pycache__" / f"{stem}.forward-19.py311.1.nbc"]
    if mark:
        files.append(directory / f"{stem}.used")
    then = time.time() - age_days * 86400
    for f in files:
        f.write_text("x")
        os.utime(f, (then, then))
    return files


def test_stale_kernels_go_and_the_others_stay(tmp_path: Path) -> None:
    current = _kernel(tmp_path, "a" * 16, STALE_DAYS + 5)  # old, but the one being loaded
    stale = _kernel(tmp_path, "b" * 16, STALE_DAYS + 1)
    recent = _kernel(tmp_path, "c" * 16, STALE_DAYS - 1)
    # written long ago but loaded yesterday by another installation: its mark says so
    marked = _kernel(tmp_path, "d" * 16, STALE_DAYS + 9, mark=True)
    os.utime(marked[-1], (time.time() - 86400,) * 2)
    prune(current[0])
    assert all(f.exists() for f in current + recent + marked)
    assert not any(f.exists() for f in stale)
    used = current[0].with_suffix(".used")
    assert used.exists() and time.time() - used.stat().st_mtime < 60
    assert current[0].stat().st_mtime < time.time() - STALE_DAYS * 86400  # module untouched


def test_an_unwritable_directory_prunes_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "diffx_kernel_0000000000000000.py"
    prune(missing)  # (no error: the tier still runs)


def test_the_cache_directory_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DIFFX_CACHE_DIR", str(tmp_path / "own"))
    assert cache_dir() == tmp_path / "own"
    monkeypatch.delenv("DIFFX_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "diffx"
