"""``tracer export``: variants of an exercise as Moodle XML, a Canvas QTI zip or a PrairieLearn question.

``common`` draws the variants (the very ones ``tracer variants`` writes, same seed, same k)
and gathers what every target prints; ``moodle``, ``canvas`` and ``prairielearn`` lay it
out in their formats; ``codes`` makes the short variant codes printed in every header.
"""
