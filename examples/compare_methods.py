"""Compare the three methods on the lecture's logistic least-squares example, as a library."""

import diffx

SOURCE = "z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2"
POINT = {"w": 0.8, "x": 1.5, "b": -0.3, "t": 1.0}

report = diffx.grad_all(SOURCE, at=POINT, wrt="w,b")
for name, result in report.results.items():
    print(f"{name:9} {result.gradient}  ({result.seconds * 1e3:.2f} ms, cost {result.cost})")
print("relative errors against", report.reference, report.relative_errors)

# the same gradient by hand, as the notes derive it: w-bar = (y - t) y (1 - y) x
formula = diffx.grad(SOURCE, wrt="w", method="symbolic").gradient["w"]
print("symbolic formula for dL/dw:", formula)
