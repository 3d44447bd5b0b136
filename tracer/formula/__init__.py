"""Formulas as data: a small tree of nodes and the names in it, printed per output by one printer each."""
