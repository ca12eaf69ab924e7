import diffx


def loss(w, b):
    z = diffx.name(w * 1.5 + b, "z")
    y = diffx.math.sigmoid(z)
    return 0.5 * (y - 1.0) ** 2
