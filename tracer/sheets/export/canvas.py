"""Canvas: a QTI 1.2 zip with one quiz (assessment) per variant, one numerical item per asked quantity.

Canvas's "QTI .zip file" import reads ``imsmanifest.xml`` and, for each resource of type
``imsqti_xmlv1p2``, an IMS QTI 1.2 ASI document: ``questestinterop > assessment > section >
item``, each item with its ``itemmetadata`` (``question_type`` numerical_question,
``points_possible``), a ``presentation`` (the question's HTML in ``mattext`` and a decimal
``render_fib`` field) and a ``resprocessing`` that sets ``SCORE`` to 100 when the response
lies within an accepted answer's margin (``varequal`` or ``vargte``/``varlte``: Canvas's
"exact answer with margin"). Each quiz opens with a text-only item holding the setup and
the diagram (``$IMS-CC-FILEBASE$/tracer/...svg``, a file of the package), and each item's
general feedback is the worked lines of its quantity.

Every item's text starts ``Variant CODE (seed S), question k of n``: Canvas's "Student
Analysis" report heads each column with the item's text, which is how ``tracer check
--from canvas`` knows which variant and quantity a column holds.

Canvas cannot draw one consistent variant of a multi-part question per student from a
bank (a question group draws each item independently), so each variant is its own quiz,
to be assigned to a section or group of students (README).
"""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
import zipfile
from io import BytesIO

from .common import (
    Asked,
    Export,
    HtmlPrinter,
    Item,
    digest,
    rounding_sentence,
    setup_html,
    worked_html,
)
from .moodle import number

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
FILEBASE = "$IMS-CC-FILEBASE$"
#: Files of the package, as Canvas's course import reads them (web_resources/ is $IMS-CC-FILEBASE$).
WEB = "web_resources"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)        # zip entries' timestamp: the same export gives the same bytes


def ident(export: Export, *parts: object) -> str:
    """A stable identifier: 'g' and 32 hex digits from the problem, seed, count and the parts."""
    text = ":".join([digest(export), *map(str, parts)])
    return "g" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def item_heading(item: Item, a: Asked) -> str:
    """'Variant 1ZA-07X (seed 2026), question 3 of 6': read back by check/lms.py."""
    return f"{item.header}, question {a.number} of {len(item.asked)}"


def _meta(parent: ET.Element, fields: dict[str, str]) -> None:
    meta = ET.SubElement(parent, "qtimetadata")
    for label, entry in fields.items():
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry


def _material(parent: ET.Element, html_text: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", {"texttype": "text/html"}).text = html_text


def setup_item(export: Export, item: Item, section: ET.Element, diagram: str) -> str | None:
    """The text-only item opening the quiz; returns the diagram's SVG (None without one)."""
    printer = HtmlPrinter(image=lambda svg: f'<img src="{FILEBASE}/tracer/{diagram}" alt="Network diagram" />')
    text = (f"<h3>{printer.text(item.header)}</h3>\n" + setup_html(item.variant.log, printer)
            + f"<p>{printer.text(rounding_sentence(item.variant.problem))}</p>\n"
            + f"<p><small>{printer.text(export.provenance)}</small></p>\n")
    node = ET.SubElement(section, "item", {"ident": ident(export, item.label, "setup"), "title": "Setup"})
    _meta(ET.SubElement(node, "itemmetadata"), {"question_type": "text_only_question", "points_possible": "0"})
    _material(ET.SubElement(node, "presentation"), text)
    return printer.svgs[0] if printer.svgs else None


def numerical_item(export: Export, item: Item, a: Asked, section: ET.Element, worked: str) -> None:
    printer = HtmlPrinter()
    ids = [ident(export, item.label, a.number, "answer", k) for k in range(len(a.accepted))]
    text = (f"<p><strong>{printer.text(item_heading(item, a))}</strong></p>\n"
            f"<p>{a.describe(printer)} ({printer.text(a.name)}): {printer.inline(a.symbol + ' =')}</p>\n")
    node = ET.SubElement(section, "item", {"ident": ident(export, item.label, a.number),
                                           "title": f"Question {a.number}: {a.name}"})
    _meta(ET.SubElement(node, "itemmetadata"), {
        "question_type": "numerical_question", "points_possible": f"{a.points:.1f}",
        "original_answer_ids": ",".join(ids),
        "assessment_question_identifierref": ident(export, item.label, a.number, "bank")})
    presentation = ET.SubElement(node, "presentation")
    _material(presentation, text)
    response = ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"})
    fib = ET.SubElement(response, "render_fib", {"fibtype": "Decimal"})
    ET.SubElement(fib, "response_label", {"ident": "answer1"})
    processing = ET.SubElement(node, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(outcomes, "decvar", {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    general = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
    ET.SubElement(ET.SubElement(general, "conditionvar"), "other")
    ET.SubElement(general, "displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"})
    for answer in a.accepted:
        condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
        either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
        ET.SubElement(either, "varequal", {"respident": "response1"}).text = answer.value
        both = ET.SubElement(either, "and")
        ET.SubElement(both, "vargte", {"respident": "response1"}).text = number(answer.low)
        ET.SubElement(both, "varlte", {"respident": "response1"}).text = number(answer.high)
        ET.SubElement(condition, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    feedback = ET.SubElement(node, "itemfeedback", {"ident": "general_fb"})
    _material(ET.SubElement(feedback, "flow_mat"), worked)


def assessment(export: Export, item: Item, diagram: str) -> tuple[str, str | None]:
    """One variant's quiz as a QTI 1.2 document, and its diagram's SVG."""
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    root.append(ET.Comment(f" {export.provenance} "))
    quiz = ET.SubElement(root, "assessment", {"ident": ident(export, item.label, "quiz"), "title": quiz_title(export, item)})
    _meta(quiz, {"cc_maxattempts": "1"})
    section = ET.SubElement(quiz, "section", {"ident": "root_section"})
    svg = setup_item(export, item, section, diagram)
    for a, worked in zip(item.asked, worked_html(item.variant.log)):
        numerical_item(export, item, a, section, worked)
    return _document(root), svg


def quiz_title(export: Export, item: Item) -> str:
    return f"{export.title}: {item.header}"


def assessment_meta(export: Export, item: Item) -> str:
    """Canvas's own quiz settings beside the QTI (title, points, one attempt, unpublished)."""
    quiz_id = ident(export, item.label, "quiz")
    root = ET.Element("quiz", {"identifier": quiz_id, "xmlns": CANVAS_NS})
    fields = {"title": quiz_title(export, item),
              "description": f"<p>{HtmlPrinter().text(item.header + '. ' + export.provenance)}</p>",
              "shuffle_answers": "false", "scoring_policy": "keep_highest", "quiz_type": "assignment",
              "points_possible": f"{sum(a.points for a in item.asked):.1f}", "show_correct_answers": "true",
              "allowed_attempts": "1", "one_question_at_a_time": "false", "available": "false"}
    for tag, text in fields.items():
        ET.SubElement(root, tag).text = text
    return _document(root)


def manifest(export: Export, quizzes: list[tuple[str, str]], files: list[str]) -> str:
    """imsmanifest.xml: one QTI resource per quiz (with its Canvas settings) and the diagrams."""
    root = ET.Element("manifest", {"identifier": ident(export, "manifest"), "xmlns": CP_NS})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for quiz_id, meta_id in quizzes:
        resource = ET.SubElement(resources, "resource", {"identifier": quiz_id, "type": "imsqti_xmlv1p2"})
        ET.SubElement(resource, "file", {"href": f"{quiz_id}/{quiz_id}.xml"})
        ET.SubElement(resource, "dependency", {"identifierref": meta_id})
        meta = ET.SubElement(resources, "resource", {
            "identifier": meta_id, "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource",
            "href": f"{quiz_id}/assessment_meta.xml"})
        ET.SubElement(meta, "file", {"href": f"{quiz_id}/assessment_meta.xml"})
    for path in files:
        resource = ET.SubElement(resources, "resource", {"identifier": ident(export, path), "type": "webcontent",
                                                         "href": path})
        ET.SubElement(resource, "file", {"href": path})
    return _document(root)


def _document(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def canvas_zip(export: Export) -> bytes:
    """The package: manifest first, then each quiz's QTI and settings, then the diagrams."""
    entries: dict[str, str] = {}
    quizzes, files = [], []
    for item in export.items:
        quiz_id, diagram = ident(export, item.label, "quiz"), f"network-{item.label}.svg"
        entries[f"{quiz_id}/{quiz_id}.xml"], svg = assessment(export, item, diagram)
        entries[f"{quiz_id}/assessment_meta.xml"] = assessment_meta(export, item)
        quizzes.append((quiz_id, ident(export, item.label, "meta")))
        if svg is not None:
            path = f"{WEB}/tracer/{diagram}"
            entries[path] = svg
            files.append(path)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in [("imsmanifest.xml", manifest(export, quizzes, files)), *entries.items()]:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()
