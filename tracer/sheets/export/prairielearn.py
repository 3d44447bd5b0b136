"""PrairieLearn: one question folder (info.json, question.html, server.py) holding every variant.

``server.py``'s ``generate(data)`` picks variant ``data["variant_seed"] % N`` from a list of
precomputed values written into the file, and fills ``data["params"]`` (the statement and
worked key as HTML, each answer's tolerance) and ``data["correct_answers"]``: the course
server runs it with Python's standard library alone, no tracer install. ``question.html``
has one ``pl-number-input`` per asked quantity: with the problem's tolerance as
``comparison="relabs"`` (``atol`` for 0.001, ``rtol`` for 1%) or ``comparison="sigfig"``
(``digits`` for 3sf); without one, the printed key with an ``atol`` wide enough for the
exact value too (common.py). ``info.json``'s UUID is derived from the problem, the seed and
the count, so exporting again gives the same folder byte for byte.
"""
from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path

from ... import __version__
from .common import Asked, Export, HtmlPrinter, Item, digest, key_html, statement_html
from .moodle import number

#: The namespace of tracer's question UUIDs (uuid5 of this name in the URL namespace).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/tracer/prairielearn")


def answer_key(a: Asked) -> str:
    """The answers-name of a quantity: q1, q2, ... (PrairieLearn wants plain identifiers)."""
    return f"q{a.number}"


def comparison(export: Export, a: Asked) -> dict[str, str]:
    """The pl-number-input attributes that grade one quantity (tolerances filled per variant)."""
    tolerance = export.items[0].tolerance
    key = answer_key(a)
    if tolerance is not None and tolerance.kind == "sf":
        return {"comparison": "sigfig", "digits": str(int(tolerance.amount))}
    if tolerance is not None and tolerance.kind == "rel":
        return {"comparison": "relabs", "rtol": number(tolerance.amount), "atol": "0"}
    return {"comparison": "relabs", "rtol": "0", "atol": f"{{{{params.atol_{key}}}}}"}


def question_html(export: Export) -> str:
    printer = HtmlPrinter()
    lines = [f"<!-- {export.provenance} -->", "<pl-question-panel>", "{{{params.statement}}}",
             "</pl-question-panel>", ""]
    for a in export.items[0].asked:       # every variant asks the same quantities
        attributes = {"answers-name": answer_key(a), "label": printer.inline(a.symbol + " ="),
                      **comparison(export, a), "weight": str(a.points)}
        attrs = " ".join(f'{k}="{_attribute(v)}"' for k, v in attributes.items())
        lines += [f"<p>{a.number}. {a.describe(printer)} ({printer.text(a.name)})</p>",
                  f"<pl-number-input {attrs}></pl-number-input>", ""]
    lines += ["<pl-answer-panel>", "{{{params.key}}}", "</pl-answer-panel>"]
    return "\n".join(lines) + "\n"


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def variant_data(export: Export, item: Item) -> dict[str, object]:
    """What generate() needs for one variant: the code, HTML and answers (as numbers)."""
    printer = HtmlPrinter()      # the diagram inline: a question's HTML may hold an <svg>
    statement = statement_html(item, printer, lambda a: "", export.provenance)
    statement = statement.split("<h3>Task</h3>")[0] + f"<p>{printer.text(_rounding(item))}</p>\n"
    return {
        "code": item.code, "number": item.variant.number,
        "statement": statement, "key": key_html(item.variant.log),
        "answers": {answer_key(a): float(Decimal(a.single.value)) for a in item.asked},
        "atol": {answer_key(a): float(a.single.margin) for a in item.asked},
        "names": {answer_key(a): a.name for a in item.asked},
    }


def _rounding(item: Item) -> str:
    from .common import rounding_sentence
    return rounding_sentence(item.variant.problem)


SERVER = '''"""PrairieLearn question server: {provenance}

{count} variants of "{title}", precomputed by tracer (the course server needs no tracer
install). generate() picks variant (variant_seed mod {count}) and fills params and
correct_answers from VARIANTS; VARIANTS[k]["code"] is the code printed in the variant's header.
"""

VARIANTS = [
{variants}
]


def generate(data):
    variant = VARIANTS[int(data.get("variant_seed", 0)) % len(VARIANTS)]
    data["params"]["code"] = variant["code"]
    data["params"]["statement"] = variant["statement"]
    data["params"]["key"] = variant["key"]
    for name, value in variant["answers"].items():
        data["correct_answers"][name] = value
        data["params"]["atol_" + name] = variant["atol"][name]
'''


def server_py(export: Export, data: list[dict[str, object]]) -> str:
    variants = ",\n".join(f"    {d!r}" for d in data)
    return SERVER.format(provenance=export.provenance.replace('"', "'"), count=len(data),
                         title=export.title.replace('"', "'").replace("\\", "/"), variants=variants)


def info_json(export: Export) -> str:
    question_id = uuid.uuid5(NAMESPACE, digest(export))
    info = {"uuid": str(question_id), "title": f"{export.title} ({len(export.items)} variants, seed {export.seed})",
            "topic": "Backpropagation", "tags": ["tracer", f"tracer-{__version__}", f"seed-{export.seed}"],
            "type": "v3"}
    return json.dumps(info, indent=2, ensure_ascii=False) + "\n"


def prairielearn_files(export: Export, folder: Path) -> dict[Path, str | bytes]:
    data = [variant_data(export, item) for item in export.items]
    return {folder / "info.json": info_json(export), folder / "question.html": question_html(export),
            folder / "server.py": server_py(export, data)}
