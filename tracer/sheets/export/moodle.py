"""Moodle XML: one question category holding every variant as an embedded-answers (Cloze) question.

Each question's text is the exercise (its header ``Variant CODE (seed S)``, the setup with
the network diagram, the rounding asked) with one NUMERICAL field per asked quantity:
``{2:NUMERICAL:=0.5933:0.0001~=0.593269992:0.0001}`` is worth 2 points and accepts either
number within its margin (common.py says which margins). The diagram is an SVG file
embedded in the question (``<file name=... encoding="base64">``, shown by
``@@PLUGINFILE@@/network.svg``); the general feedback is the worked answer key. A teacher
imports the file (Question bank > Import > Moodle XML) and adds a random question from the
category to a quiz: each student draws one variant.
"""
from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from decimal import Decimal

from .common import Asked, Export, HtmlPrinter, Item, key_html, statement_html

DIAGRAM = "network.svg"
#: Moodle's usual penalty for a wrong try in interactive mode (one third of the mark).
PENALTY = "0.3333333"


def number(d: Decimal) -> str:
    """A decimal in plain notation (Moodle reads no exponents in Cloze): 0.0001, not 1E-4."""
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def cloze(a: Asked) -> str:
    """``{points:NUMERICAL:=value:margin~=value:margin}``: every accepted answer at 100%."""
    answers = "~".join(f"={x.value}:{number(x.margin)}" for x in a.accepted)
    return f"{{{a.points}:NUMERICAL:{answers}}}"


def category_name(export: Export) -> str:
    """``$course$/top/TITLE (seed S)``; a '/' in the title would open a subcategory."""
    return f"$course$/top/{export.title.replace('/', '-')} (seed {export.seed})"


def _text(parent: ET.Element, tag: str, content: str, fmt: str | None = None) -> ET.Element:
    node = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(node, "text").text = content
    return node


def question(export: Export, item: Item) -> ET.Element:
    printer = HtmlPrinter(image=lambda svg: f'<img src="@@PLUGINFILE@@/{DIAGRAM}" alt="Network diagram" />')
    text = statement_html(item, printer, cloze, export.provenance)
    q = ET.Element("question", {"type": "cloze"})
    _text(q, "name", f"{export.title}: {item.header}")
    body = _text(q, "questiontext", text, "html")
    if printer.svgs:
        file = ET.SubElement(body, "file", {"name": DIAGRAM, "path": "/", "encoding": "base64"})
        file.text = base64.b64encode(printer.svgs[0].encode("utf-8")).decode("ascii")
    _text(q, "generalfeedback", key_html(item.variant.log), "html")
    ET.SubElement(q, "penalty").text = PENALTY
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "idnumber").text = item.code
    return q


def moodle_xml(export: Export) -> str:
    """The whole file: a comment saying what wrote it, the category, then the questions."""
    quiz = ET.Element("quiz")
    quiz.append(ET.Comment(f" {export.provenance} "))
    cat = ET.SubElement(quiz, "question", {"type": "category"})
    _text(cat, "category", category_name(export))
    _text(cat, "info", f"<p>{HtmlPrinter().text(export.provenance)} {len(export.items)} variants of one "
                       "exercise: draw one random question per student.</p>", "html")
    for item in export.items:
        quiz.append(question(export, item))
    ET.indent(quiz, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
