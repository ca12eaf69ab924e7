import math


def f(x):
    return math.sin(x) * x  # math.sin needs a plain float: use np.sin or diffx.math.sin
