"""A vector program: what ``diffx.parse`` returns for a program in vector or matrix notation.

It holds the block program (``diffx.blocks``) and, once the inputs' shapes are known, every
node's shape and the scalar expansion (``diffx.expand``) that the methods run on. It is not a
``Graph``: scalar code never meets it by accident; the runner hands the methods
``program.scalar``. It also translates between the two levels: a point of whole arrays into
element values (``W1[0,1]``), and element gradients back into arrays shaped like the inputs.

Immutable: ``with_shapes`` returns a new program.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np

from .blocks import BlockProgram, describe_shapes, infer
from .errors import DiffxError
from .expand import element_name, element_names, expand, node_bound
from .graph import Graph
from .ops import INPUT
from .shapes import Shape, describe

MAX_EXPANDED_NODES = 2_000_000


class VectorProgram:
    """A program over vectors and matrices (see the module docstring)."""

    def __init__(self, blocks: BlockProgram, shapes: Mapping[str, Shape] | None = None) -> None:
        self.blocks = blocks
        self.source = blocks.source
        self.inputs: tuple[str, ...] = blocks.inputs
        self.given: dict[str, Shape] = {k: tuple(v) for k, v in (shapes or {}).items()}
        # each input's element names, listed once and shared by the expansion's leaves, the
        # element point and the regrouping (80,000 names held three times were 40 B/node)
        self._element_names: dict[str, list[str]] = {}

    @cached_property
    def node_shapes(self) -> tuple[Shape, ...]:
        """Every block node's shape (a ParseError at its column when shapes do not match)."""
        return infer(self.blocks, self.given)

    def with_shapes(self, shapes: Mapping[str, Shape]) -> VectorProgram:
        """The same program with these input shapes (the others stay as given before)."""
        return VectorProgram(self.blocks, {**self.given, **shapes})

    # -- shapes
    @property
    def input_shapes(self) -> dict[str, Shape]:
        nodes = self._input_nodes
        return {name: self.node_shapes[nodes[name]] for name in self.inputs}

    @property
    def output_shape(self) -> Shape:
        return self.node_shapes[self.blocks.output]

    @property
    def output_name(self) -> str:
        """The last statement's target, or for a bare expression the first of ``f``,
        ``out``, ... that the program does not use (its names are the blocks', not the
        expansion's: ``f = W @ x; sum(f)`` names its output ``out``)."""
        if self.blocks.output_name:
            return self.blocks.output_name
        taken = set(self.inputs) | set(self.blocks.assigned)
        return next(n for n in ("f", "out", "result", "f_", "out_") if n not in taken)

    def shape_of(self, name: str) -> Shape:
        """The shape of an input or a named value."""
        node = self._input_nodes.get(name, self.blocks.assigned.get(name))
        if node is None:
            raise KeyError(name)
        return self.node_shapes[node]

    @cached_property
    def _input_nodes(self) -> dict[str, int]:
        return {str(self.blocks.attr[k]): k for k, c in enumerate(self.blocks.code)
                if c == INPUT}

    # -- the scalar level
    def scalar_size(self) -> int:
        """An upper bound on the expansion's node count, known without building it."""
        return node_bound(self.blocks, self.node_shapes)

    @cached_property
    def expansion(self) -> tuple[Graph, list[np.ndarray]]:
        n = self.scalar_size()
        if n > MAX_EXPANDED_NODES:
            raise DiffxError(f"the scalar expansion would have up to {n:,} nodes, over the "
                              f"limit of {MAX_EXPANDED_NODES:,}")
        graph, ids = expand(self.blocks, self.node_shapes, self._names)
        graph.blocks = self  # the methods that work on whole arrays find the program here
        if graph._output_name is None and not self.output_shape:  # a bare scalar output:
            graph._output_name = self.output_name  # named as the blocks see their names
        return graph, ids

    @property
    def scalar(self) -> Graph:
        """The expansion: an ordinary scalar Graph with element inputs ``W1[0,1]``."""
        return self.expansion[0]

    def elements(self, name: str) -> list[str]:
        """``W1`` -> ``["W1[0,0]", "W1[0,1]", ...]`` (row-major); a scalar is itself."""
        return self._names(name, self.shape_of(name))

    def _names(self, name: str, shape: Shape) -> list[str]:
        """An input's element names, built on first use and kept (do not modify the list)."""
        names = self._element_names.get(name)
        if names is None:
            names = self._element_names[name] = element_names(name, shape)
        return names

    def element_wrt(self, wrt: tuple[str, ...]) -> tuple[str, ...]:
        """Block names (or element names) to the element inputs of the expansion."""
        out: list[str] = []
        for name in wrt:
            out.extend(self.elements(name) if name in self._input_nodes else [name])
        return tuple(out)

    def element_point(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """Whole values to element values: ``W1`` of shape (2, 2) gives ``W1[0,0]`` ... A value
        with extra leading axes is a batch of points: each element gets a batch array."""
        out: dict[str, Any] = {}
        for name, value in point.items():
            if name not in self._input_nodes:
                out[name] = value
                continue
            shape = self.shape_of(name)
            if not shape:
                out[name] = value
                continue
            arr = np.asarray(value, dtype=float)
            names = self.elements(name)
            if arr.shape == shape:  # one point: Python floats, made at C speed
                out.update(zip(names, arr.reshape(-1).tolist()))
                continue
            rows = arr.reshape(arr.shape[:arr.ndim - len(shape)] + (-1,))
            for k, key in enumerate(names):
                out[key] = rows[..., k]
        return out

    def regroup(self, flat: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
        """Element values (``W1[0,1]`` -> number or batch array) back into arrays shaped like
        each block input of ``names`` (batch axes first); formulas (text) into object arrays.
        A name that is not a block input (an element such as ``W1[0,1]``) stays as it is."""
        out: dict[str, Any] = {}
        for name in names:
            shape = self.shape_of(name) if name in self._input_nodes else ()
            if not shape:
                out[name] = flat[name]
                continue
            entries = [flat[e] for e in self.elements(name)]
            if any(isinstance(e, str) for e in entries):  # formulas: an array of text
                text = np.empty(len(entries), dtype=object)
                text[:] = entries
                out[name] = text.reshape(shape)
                continue
            stacked = np.stack([np.asarray(e, dtype=float) for e in entries], axis=-1)
            out[name] = stacked.reshape(stacked.shape[:-1] + shape)
        return out

    # -- how reports name it
    def title(self) -> str:
        source = self.source.strip()
        if len(source) <= 70 and "\n" not in source:
            return " ".join(source.split())
        return f"{self.output_name}   ({len(self.blocks.statements)} statements)"

    def describe_inputs(self) -> str:
        return describe_shapes(self.blocks, self.node_shapes)

    def __repr__(self) -> str:
        src = self.source if len(self.source) <= 40 else self.source[:39] + "…"
        shapes = ", ".join(f"{k} {describe(self.given.get(k, ()))}" for k in self.inputs)
        return f"VectorProgram({src!r}: {shapes})"
