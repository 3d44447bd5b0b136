"""Exercise sheets, variants and exports: above render and check, reading the trace log."""
