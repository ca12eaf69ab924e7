"""Overflow is reported by diffx's own warnings, never by numpy's RuntimeWarning on stderr, and
the size of an exact value is written as a person would (1e+400, not 10e+399)."""

import warnings

import mpmath
import numpy as np
import pytest

import diffx
from diffx.symeval_functions import about


@pytest.mark.parametrize("source, point", [
    ("z = sum(x)", {"x": np.array([1e308, 1e308])}),
    ("z = mean(x)", {"x": np.array([1e308, 1e308])}),
    ("z = logsumexp(x)", {"x": np.array([1e308, 1e308])}),
    ("z = sum(W @ x)", {"W": np.array([[1e308, 1e308], [1, 1]]), "x": np.array([1.0, 1.0])}),
])
def test_block_sweep_overflow_is_a_warning_of_diffx_not_numpy(source, point):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # any numpy warning fails the test
        r = diffx.grad(source, at=point, method="matrix")
    if not np.isfinite(r.value):  # (logsumexp's shift keeps it finite: 1e308 + log 2)
        assert any("inf/nan" in w for w in r.warnings)
    else:
        assert r.value == pytest.approx(1e308)


def test_the_size_of_an_exact_value_rounds_into_the_next_power_of_ten():
    assert about(mpmath.mpf("9.9999999e399")) == "1e+400"
    assert about(mpmath.mpf("1e400")) == "1e+400"
    assert about(mpmath.mpf("2.5e-300")) == "2.5e-300"
