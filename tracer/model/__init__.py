"""The model: a problem file read and validated, and the facts of activations, losses and names."""
