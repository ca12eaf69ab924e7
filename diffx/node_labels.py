"""Node labels: the short names a route listing or a picture gives the nodes and edges.

A named node keeps its name, a short unnamed one its expression, a longer one ``v1``,
``v2``, ... with a legend; an edge is named by the local derivative it carries (``∂d/∂c``).
"""

from __future__ import annotations

from . import ops as _ops
from .graph import Graph
from .routes import Edge

SHORT = 12  # an unnamed intermediate longer than this is called v1, v2, ... in listings
LABEL_ALL = 20_000  # graphs up to this size are labelled whole, in order


class Labels:
    """Short names for the nodes of one listing or picture.

    A named node keeps its name and a short unnamed one its expression (``sin(z)``, ``4*x``);
    a longer one becomes ``v1``, ``v2``, ... and ``legend`` says what it stands for, as the
    lecture notes name intermediate values. A label never repeats a name the program uses
    (an input or a statement called ``v1`` pushes the labels on to ``v2``, ...): a label and
    a program name that looked alike would also be one sympy symbol in the route-sum. Made
    fresh for each listing or picture (so the numbering never depends on what was asked
    before), filled on demand with an explicit stack.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.text: dict[int, str] = {}
        self.legend: dict[str, str] = {}
        self._prec: dict[int, int] = {}
        self.taken = set(graph.inputs) | set(graph.assigned) | {graph.output_name}
        self._next = 1
        if graph.output < LABEL_ALL:  # number v1, v2, ... in graph order: the same every time
            for node in range(graph.output + 1):
                self._fill(node)

    def __call__(self, node: int) -> str:
        if node not in self.text:
            self._fill(node)
        return self.text[node]

    def is_short_name(self, node: int) -> bool:
        """Whether the node is shown as a name (its own, or v1, v2, ...)."""
        text = self(node)
        return text in self.legend or self.graph.name(node) is not None or (
            node == self.graph.output)

    def _fresh(self) -> str:
        """The next of v1, v2, ... that the program does not use itself."""
        while f"v{self._next}" in self.taken:
            self._next += 1
        self._next += 1
        return f"v{self._next - 1}"

    def _fill(self, root: int) -> None:
        g = self.graph
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if node in self.text:
                continue
            name = g.name(node) or (g.output_name if node == g.output else None)
            if name is not None or g.op[node] == _ops.CONST:
                self.text[node] = name or g.const_text(node)
                self._prec[node] = 9 if name or not self.text[node].startswith("-") else 3
                continue
            args = g.args(node)
            if not ready:
                stack.append((node, True))
                stack.extend((a, False) for a in args if a not in self.text)
                continue
            op = g.op_of(node)
            assert op is not None
            text, prec = _ops.spell(op, [(self.text[a], self._prec[a]) for a in args])
            if len(text) > SHORT:
                # small graphs count v1, v2, ... in order; huge ones name the node's index
                label = self._fresh() if g.output < LABEL_ALL else f"n{node}"
                while label in self.taken:  # (a program may call a node n12 too)
                    label = "_" + label
                self.legend[label] = text
                text, prec = label, 9
            self.text[node], self._prec[node] = text, prec


def labels(graph: Graph) -> Labels:
    """A fresh set of labels for one listing or picture."""
    return Labels(graph)


def partial_symbol(labels: Labels, edge: Edge) -> str:
    """``∂d/∂c``: the local derivative an edge carries, by name."""
    def part(node: int) -> str:
        text = labels(node)
        return f"({text})" if any(c in text for c in " +-*/^") else text

    return f"∂{part(edge.node)}/∂{part(edge.arg)}"
