"""Strict JSON for every command's output: no NaN or Infinity literals, ever.

A non-finite number becomes ``null`` and the report's ``warnings`` say where and what it was.
Arrays become lists; numpy scalars become Python numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from ..result import Gradient, Report

MAX_NODES_LISTED = 200  # adjoints by node name are included for graphs up to this size


class _Clean:
    """Copies plain data into strict-JSON-safe data (an explicit stack, no recursion)."""

    def __init__(self) -> None:
        self.replaced: list[str] = []

    def __call__(self, value: Any, where: str) -> Any:
        box = [None]
        stack: list[tuple[Any, str, Any, Any]] = [(value, where, box, 0)]
        while stack:
            v, at, parent, key = stack.pop()
            parent[key] = self._leaf(v, at, stack)
        return box[0]

    def _leaf(self, v: Any, at: str, stack: list) -> Any:
        if v is None or isinstance(v, bool | str | int):
            return v
        if isinstance(v, float):
            if math.isfinite(v):
                return v
            self.replaced.append(f"{at} was {_name(v)}; written as null")
            return None
        if isinstance(v, complex):
            self.replaced.append(f"{at} was complex ({v}); written as null")
            return None
        if isinstance(v, dict):
            out: dict[str, Any] = {str(k): None for k in v}
            stack.extend((item, f"{at}.{k}", out, str(k)) for k, item in v.items())
            return out
        if isinstance(v, list | tuple):
            items: list[Any] = [None] * len(v)
            stack.extend((item, f"{at}[{i}]", items, i) for i, item in enumerate(v))
            return items
        if hasattr(v, "tolist"):  # numpy arrays and scalars
            data = v.tolist()
            if isinstance(data, list):
                return self._array(data, at)
            return self._leaf(data, at, stack)
        return str(v)

    def _array(self, data: list, where: str) -> list:
        bad = 0
        stack = [data]
        while stack:
            items = stack.pop()
            for i, v in enumerate(items):
                if isinstance(v, list):
                    stack.append(v)
                elif isinstance(v, float) and not math.isfinite(v):
                    items[i] = None
                    bad += 1
        if bad:
            self.replaced.append(f"{where} had {bad} non-finite value(s); written as null")
        return data


def _name(x: float) -> str:
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def gradient_dict(result: Gradient, graph: Any = None) -> dict[str, Any]:
    """The JSON shape of one method's result (before cleaning)."""
    out: dict[str, Any] = {
        "gradient": result.gradient if (result.ok and result.point is not None) else None,
        "formula": result.formula,
        "value": result.value if result.point is not None else None,
        "seconds": result.seconds,
        "cost": result.cost,
        "details": _details(result, graph),
    }
    if result.warnings:
        out["warnings"] = result.warnings
    if result.error is not None:
        out.update(error=result.error, error_kind=result.error_kind)
    return out


def _details(result: Gradient, graph: Any) -> dict[str, Any]:
    details = result.details.as_json()
    kept = result.details.node_values()
    if graph is not None and kept is not None and graph.size <= MAX_NODES_LISTED:
        vals, adj = kept
        named = {}
        for node in range(graph.size):
            name = graph.name(node)
            if name is not None and name not in named:
                named[name] = {"value": vals[node], "adjoint": adj[node]}
        details["nodes"] = named
    return details


def relative_errors_json(errors: dict[str, Any], values: dict[str, Any] | None,
                         reference: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """Relative errors with ``null`` where the value and its reference are both not finite
    (there an error of 0 would read as agreement), and the inputs where that happened."""
    import numpy as np

    from .text import both_not_finite

    out: dict[str, Any] = {}
    flagged: list[str] = []
    for w, err in errors.items():
        both = both_not_finite((values or {}).get(w), (reference or {}).get(w))
        if isinstance(both, bool):
            out[w] = None if both else err
            if both:
                flagged.append(w)
            continue
        if both.any():
            flagged.append(w)
            data = np.broadcast_to(np.asarray(err, dtype=float), both.shape).astype(object)
            data[both] = None
            out[w] = data.tolist()
        else:
            out[w] = err
    return out, flagged


def report_json(report: Report, graph: Any = None) -> str:
    clean = _Clean()
    results = {}
    ref = report.results.get(report.reference) if report.reference else None
    for name, r in report.results.items():
        entry = gradient_dict(r, graph)
        if name in report.relative_errors and name != report.reference:
            errors, not_finite = relative_errors_json(
                report.relative_errors[name], r.gradient, ref.gradient if ref else None)
            entry["relative_error"] = errors
            if not_finite:
                entry["relative_error_not_finite"] = not_finite
        results[name] = entry
    data = {
        "expression": report.expression,
        "inputs": list(report.inputs),
        "wrt": list(report.wrt),
        "point": report.point,
        "value": report.value,
        "reference": report.reference,
        "results": results,
    }
    cleaned = clean(data, "$")
    cleaned["warnings"] = list(report.warnings) + clean.replaced
    return json.dumps(cleaned, indent=2, ensure_ascii=False, allow_nan=False)


def dumps(data: Any) -> str:
    """Strict JSON of any plain data (used by the other commands)."""
    clean = _Clean()
    cleaned = clean(data, "$")
    if clean.replaced and isinstance(cleaned, dict):
        cleaned.setdefault("warnings", [])
        cleaned["warnings"] = list(cleaned["warnings"]) + clean.replaced
    return json.dumps(cleaned, indent=2, ensure_ascii=False, allow_nan=False)


# ---------------------------------------------------------------- route listings, streamed ----

ROUTE_WARNINGS = 100  # non-finite route values named one by one per input; past it, a count


def write_listing_json(data: dict[str, Any], write: Callable[[str], Any],
                       streamed: str = "listing") -> None:
    """Write ``data`` as :func:`dumps` would (the same text, byte for byte), with the route
    listing under the key ``streamed`` written a row at a time: a listing of 10^5 routes is
    never copied whole nor held as one string. Each distinct edge's JSON (its symbol, formula,
    value and ``[arg, node, position]``) is made once; the listing's rows share those edges.

    Non-finite numbers become ``null`` and ``warnings`` say where, in the order :func:`dumps`
    gives; past ``ROUTE_WARNINGS`` route values per input, one sentence counts the rest."""
    pieces: list[list[str]] = []  # the warnings of each part, parts in document order

    def cleaned(value: Any, where: str) -> Any:
        clean = _Clean()
        out = clean(value, where)
        pieces.append(clean.replaced)
        return out

    def text(value: Any, where: str, depth: int) -> str:
        return json.dumps(cleaned(value, where), indent=2, ensure_ascii=False,
                          allow_nan=False).replace("\n", "\n" + "  " * depth)

    def key(k: Any) -> str:
        return json.dumps(str(k), ensure_ascii=False)

    keys = list(data)
    write("{")
    for n, k in enumerate(keys):
        write(("\n  " if n == 0 else ",\n  ") + key(k) + ": ")
        if k == "warnings":
            continue  # written last, when every part's warnings are known
        value = data[k]
        if k == streamed and isinstance(value, dict) and value:
            _listing(value, write, pieces, text, key)
        else:
            write(text(value, f"$.{k}", 1))
    replaced = [w for piece in reversed(pieces) for w in piece]
    if "warnings" in data or replaced:
        warnings = list(data.get("warnings") or []) + replaced
        tail = text(warnings, "$.warnings", 1)
        pieces.pop()
        if "warnings" in data:  # its place among the keys (last, in every command's data)
            if keys[-1] != "warnings":
                raise ValueError("write_listing_json: 'warnings' must be the last key")
            write(tail)
        else:
            write(",\n  " + key("warnings") + ": " + tail)
    write("\n}\n")


def _listing(listing: dict[str, Any], write: Callable[[str], Any], pieces: list[list[str]],
             text: Callable[[Any, str, int], str], key: Callable[[Any], str]) -> None:
    write("{")
    for n, (w, info) in enumerate(listing.items()):
        write(("\n    " if n == 0 else ",\n    ") + key(w) + ": ")
        if not isinstance(info, dict) or not info:
            write(text(info, f"$.listing.{w}", 2))
            continue
        write("{")
        for m, (k, v) in enumerate(info.items()):
            write(("\n      " if m == 0 else ",\n      ") + key(k) + ": ")
            if k == "routes" and isinstance(v, list) and v:
                _rows(v, f"$.listing.{w}.routes", write, pieces)
            else:
                write(text(v, f"$.listing.{w}.{k}", 3))
        write("\n    }")
    write("\n  }")


BLOCK_CHARS = 4_000_000  # a block of rows is written once it holds this many characters
_EDGE_KEYS = ("partials", "formulas", "factors", "edges")
_ROW = " " * 10  # a row's keys are at depth 5 of the routes command's JSON
_ITEM = ",\n" + " " * 12


def _rows(rows: list[Any], where: str, write: Callable[[str], Any],
          pieces: list[list[str]]) -> None:
    """The rows of one input's listing, a block of rows per write; each edge's JSON made once
    (an edge is known by its ``[arg, node, position]`` object, which its rows share)."""
    edge_json: dict[tuple[str, int], str] = {}
    problems: list[str] = []
    more = 0
    started = False
    block: list[str] = []
    size = 0  # characters in block
    for i, row in enumerate(rows):
        at = f"{where}[{i}]"
        edges = row.get("edges") if isinstance(row, dict) else None
        if not isinstance(row, dict) or not isinstance(edges, list) or any(
                isinstance(row.get(k), list) and len(row[k]) != len(edges)
                for k in _EDGE_KEYS):
            clean = _Clean()  # not a listing row: written as dumps writes anything
            block.append(" " * 8 + json.dumps(clean(row, at), indent=2, ensure_ascii=False,
                                              allow_nan=False).replace("\n", "\n" + " " * 8))
            problems.extend(reversed(clean.replaced))
        else:
            parts = []
            for k, v in row.items():
                body: str | None
                if k in _EDGE_KEYS and isinstance(v, list) and v:
                    items = []
                    for j, item in enumerate(v):
                        memo = (k, id(edges[j]))
                        js = edge_json.get(memo)
                        if js is None:
                            js = edge_json[memo] = _edge_item(item, k)
                        if js == "null" and item is not None:
                            if len(problems) < ROUTE_WARNINGS:
                                problems.append(f"{at}.{k}[{j}] was {_what(item)}; written as "
                                                "null")
                            else:
                                more += 1
                        items.append(js)
                    body = "[\n" + " " * 12 + _ITEM.join(items) + "\n" + _ROW + "]"
                else:
                    body, problem = _scalar(v)
                    if body is None:
                        clean = _Clean()
                        body = json.dumps(clean(v, f"{at}.{k}"), indent=2, ensure_ascii=False,
                                          allow_nan=False).replace("\n", "\n" + _ROW)
                        problems.extend(reversed(clean.replaced))
                    elif problem:
                        if len(problems) < ROUTE_WARNINGS:
                            problems.append(f"{at}.{k} was {problem}; written as null")
                        else:
                            more += 1
                parts.append(_ROW + json.dumps(k, ensure_ascii=False) + ": " + body)
            block.append(" " * 8 + "{\n" + ",\n".join(parts) + "\n" + " " * 8 + "}")
        size += len(block[-1])
        if len(block) >= 2048 or size >= BLOCK_CHARS:  # long routes: a few rows per write
            write((",\n" if started else "[\n") + ",\n".join(block))
            block.clear()
            size = 0
            started = True
    if block:
        write((",\n" if started else "[\n") + ",\n".join(block))
    write("\n" + " " * 6 + "]")
    if more:
        problems.append(f"{where}: {more:,} more non-finite route values written as null")
    pieces.append(problems[::-1])


def _what(v: Any) -> str:
    if isinstance(v, complex):
        return f"complex ({v})"
    try:
        return _name(float(v))
    except (TypeError, ValueError):
        return str(v)


def _scalar(v: Any) -> tuple[str | None, str | None]:
    """The JSON of a plain scalar and what was replaced by null (None: not a plain scalar)."""
    if v is None or isinstance(v, bool):
        return json.dumps(v), None
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False), None
    if isinstance(v, int):
        return int.__repr__(v), None
    if isinstance(v, float):
        if math.isfinite(v):
            return float.__repr__(v), None
        return "null", _name(v)
    if isinstance(v, complex):
        return "null", f"complex ({v})"
    return None, None


def _edge_item(item: Any, k: str) -> str:
    """The JSON of one edge's entry of a row list, at a row list's depth."""
    if k == "edges" and isinstance(item, list):
        inner = ",\n" + " " * 14
        return "[\n" + " " * 14 + inner.join(_scalar(x)[0] or json.dumps(str(x))
                                             for x in item) + "\n" + " " * 12 + "]"
    js, _ = _scalar(item)
    if js is None:
        clean = _Clean()
        js = json.dumps(clean(item, "$"), ensure_ascii=False, allow_nan=False)
    return js
