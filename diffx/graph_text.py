"""The infix text of a graph's node (``Graph.text``): how messages, tables and pictures spell
an expression, without recursion and cut to a length. (It reads the graph it is given and
imports nothing of diffx.graph, which calls it.)"""

from __future__ import annotations

from typing import Any

from . import ops as _ops
from .ops import CONST, INPUT


def node_text(graph: Any, node: int, limit: int = 48, use_names: bool = True) -> str:
    """Infix text of a node, built without recursion and cut to ``limit`` characters.

    Named intermediates are shown by name (``a*c``), so the text stays short for shared
    subexpressions; the node itself is always spelled out.
    """
    memo: dict[int, tuple[str, int]] = {}
    stack = [(node, False)]
    while stack:
        n, expanded = stack.pop()
        if n in memo:
            continue
        if use_names and n != node and graph.name(n) is not None:
            memo[n] = (graph.name(n), 9)
            continue
        code = graph.op[n]
        if code == INPUT:
            memo[n] = (graph._leaf[n], 9)
            continue
        if code == CONST:
            txt = graph._leaf[n][1]
            memo[n] = (txt, 3 if txt.startswith("-") else 9)
            continue
        args = graph.args(n)
        if not expanded:
            stack.append((n, True))
            stack.extend((x, False) for x in args if x not in memo)
            continue
        s, p = _ops.spell(_ops.BY_CODE[code], [memo[x] for x in args])
        if len(s) > limit:
            s = s[: limit - 1] + "…"
        memo[n] = (s, p)
    return memo[node][0]
