"""``tracer check``: which of a student's hand-worked numbers are right, and where it went wrong.

answers (read a file) -> names (match each name to a quantity) -> judge (correct, carried,
wrong, missing, against the trace log) -> report (text, JSON, md/tex sheets) or classroom
(a folder of files and the class summary). The log is the only source of truth.
"""
from .answers import AnswersError, AnswerSet, load_answers, parse_answers
from .compare import Tolerance
from .judge import Checker, Record, Result

__all__ = ["AnswerSet", "AnswersError", "Checker", "Record", "Result", "Tolerance",
           "load_answers", "parse_answers"]
