"""The model: a problem file read and validated, and the facts of activations, losses and names."""

from . import conv_problem  # noqa: F401  (registers convolutional problem files with Problem.from_dict)
