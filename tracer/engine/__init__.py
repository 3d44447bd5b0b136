"""The engine: training run and recorded into the trace log (the computing side; imports no output)."""
