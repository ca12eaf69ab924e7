"""The JavaScript namespace of the op table's expressions: the functions ``diffx.ops``'
value and partial texts call (``sin``, ``pow``, ``sigmoid``, ``powlog``, ``ge`` ...), written
for JavaScript numbers the way :mod:`diffx.op_namespaces` writes them for Python floats.

They follow the ``math`` namespace (one point) exactly where conventions decide: relu'(0) = 0
(``step(0) = 0``), abs'(0) = 0 (``sign(0) = 0``), a max/min tie splits its derivative 1/2 to
each argument (``ge``/``le`` are 1/2 at a tie), nan propagates through max, min, relu and sign,
and a power of 1 is 1 whatever the exponent (``Math.pow(1, NaN)`` is NaN, Python's 1.0). The
text is diffx's own, inlined into the page by :func:`diffx.ops.js_source`.
"""

JS_NAMESPACE = r"""
var sin = Math.sin, cos = Math.cos, tan = Math.tan, exp = Math.exp, log = Math.log,
    sqrt = Math.sqrt, tanh = Math.tanh, sinh = Math.sinh, cosh = Math.cosh,
    asin = Math.asin, acos = Math.acos, atan = Math.atan, abs = Math.abs;
function pow(x, y) {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}
function max(x, y) { return (x >= y || x !== x) ? x : y; }
function min(x, y) { return (x <= y || x !== x) ? x : y; }
function sigmoid(x) {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  var z = Math.exp(x);
  return z / (1 + z);
}
function softplus(x) { return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))); }
function relu(x) { return x <= 0 ? 0 : x; }
function step(x) { return x > 0 ? 1 : 0; }
function sign(x) { return x > 0 ? 1 : x < 0 ? -1 : (x === x ? 0 : x); }
function ge(x, y) { return x > y ? 1 : x === y ? 0.5 : 0; }
function le(x, y) { return x < y ? 1 : x === y ? 0.5 : 0; }
function datan(x) {
  if (Math.abs(x) <= 1) return 1 / (1 + x * x);
  var t = 1 / x;
  return t * t / (1 + t * t);
}
function dtanh(x) {
  if (Math.abs(x) > 356) return 0;
  var c = Math.cosh(x);
  return 1 / (c * c);
}
function dsigmoid(x) {
  var e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
}
function powdx(x, y) { return y === 0 ? 0 : y * pow(x, y - 1); }
function powlog(x, out) {
  if (x < 0) return NaN;
  return out === 0 ? 0 : out * Math.log(x);
}
"""
