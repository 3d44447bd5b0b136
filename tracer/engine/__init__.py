"""The engine: training run and recorded into the trace log (the computing side; imports no output)."""

from . import convtrace  # noqa: F401  (registers the convolutional networks' recording loop)
