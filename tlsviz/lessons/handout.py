"""A lesson's handout (``tlsviz export LESSON --html OUT.html``): the lesson as one page.

Each step's prose and quizzes, in order, and where the step points: the message of its
capture with the field the step is about marked in the bytes and named beside them,
linked to the full illustrated connection at the end of the page (the same sections as
a capture's handout, :mod:`tlsviz.session.html`).  Quizzes keep their answers to
themselves unless asked (``answers=True``, a teacher's copy): then the right answer, the
feedback of each option and the explanation follow each question, collapsed on screen
and printed.

Prose is the lesson's Markdown, rendered with raw HTML and images turned off: a lesson
file cannot put markup or a request for anything into the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..session import handout as h
from ..session.html import connection_section, hex_dump, page
from ..session.html_parts import esc
from ..wire.explain import explanation
from .model import Lesson, Quiz, QuizKind, Target

if TYPE_CHECKING:
    from .resolve import Resolved, Resolver

_RENDERER: Any = None


def prose(text: str) -> str:
    """Lesson Markdown as HTML: CommonMark and tables; no raw HTML, no images."""
    global _RENDERER
    if _RENDERER is None:
        from markdown_it import MarkdownIt

        _RENDERER = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
    return str(_RENDERER.render(text))


def lesson_document(
    lesson: Lesson, *, answers: bool = False, resolver: Resolver | None = None
) -> str:
    """The whole handout of ``lesson``."""
    from .resolve import Resolver, TargetError

    resolver = resolver or Resolver()
    captures: dict[tuple[str, str, int], tuple[str, Resolved]] = {}

    def find(target: Target) -> Resolved | str:
        try:
            res = resolver.resolve(target, Path(lesson.path).parent)
        except TargetError as err:
            return str(err)
        key = (res.capture.name, res.keys, res.connection_index)
        if key not in captures:
            captures[key] = (f"x{len(captures) + 1}-", res)
        return res

    def prefix_of(res: Resolved) -> str:
        return captures[(res.capture.name, res.keys, res.connection_index)][0]

    body: list[str] = []
    meta = [m for m in (lesson.level, f"{lesson.minutes} minutes" if lesson.minutes else "",
                        ", ".join(lesson.topics)) if m]  # fmt: skip
    lead = f'<p class="meta">{esc(" · ".join(meta))}</p>\n' if meta else ""
    if lesson.summary:
        lead += f"<p><strong>{esc(lesson.summary)}</strong></p>\n"
    toc = '<nav class="toc" aria-label="Steps"><ol>\n' + "".join(
        f'<li><a href="#step-{esc(s.id)}">{esc(s.title)}</a></li>\n' for s in lesson.steps
    ) + '<li><a href="#captures">The captures</a></li>\n</ol></nav>\n'  # fmt: skip
    if lesson.intro:
        body.append(f'<section class="intro">{prose(lesson.intro)}</section>\n')
    for n, step in enumerate(lesson.steps, 1):
        body.append(
            f'<section class="step" id="step-{esc(step.id)}">\n<h2>{n}. {esc(step.title)}</h2>\n'
        )
        if step.target is not None:
            body.append(_target_box(find(step.target), prefix_of))
        for block in step.blocks:
            if isinstance(block, Quiz):
                found = find(block.target) if block.target is not None else None
                body.append(_quiz(block, answers))
                if found is not None and block.target != step.target:
                    body.append(_target_box(found, prefix_of, brief=True))
            else:
                body.append(prose(block.text))
        body.append("</section>\n")
    body.append('<section id="captures">\n<h2>The captures</h2>\n')
    body.append('<p class="meta">Every connection the steps point at, illustrated in full.</p>\n')
    for (name, keys, index), (prefix, res) in captures.items():
        what = "without keys" if keys == "none" else f"with key material: {keys}"
        body.append(f"<h3>{esc(name)}, connection {index} ({esc(what)})</h3>\n")
        with h.anchor_prefix(prefix):
            body.append(connection_section(res.connection))
    body.append("</section>\n")
    return page(f"Lesson: {lesson.title}", "".join(body), lead=lead, toc=toc)


def _target_box(found: Resolved | str, prefix_of: Any, *, brief: bool = False) -> str:
    """Where a step points: the message, the field marked in its bytes, a link to both."""
    if isinstance(found, str):
        return (
            f'<p class="diag">This step points at something the capture lacks: {esc(found)}</p>\n'
        )
    res = found
    c = res.connection
    out = ['<aside class="target">\n']
    with h.anchor_prefix(prefix_of(res)):
        where = f"{esc(res.capture.name)}, connection {res.connection_index}"
        if res.message_index is None:
            out.append(f'<p>In <a href="#{h.connection_anchor(c)}">{where}</a>.</p>\n')
            return "".join(out) + "</aside>\n"
        i = res.message_index
        m = c.messages[i]
        a = h.message_anchor(c, i)
        link = f'<a href="#{a}">#{i} {esc(h.message_label(m))}</a>'
        f = res.field
        if f is not None and res.record_index is None and res.field_path:
            fa = h.field_anchor(c, i, res.field_path)
            value = f": {esc(f.display)}" if f.display else ""
            out.append(f'<p>In {where}, message {link}, field <a href="#{fa}"><code>'
                       f"{esc(f.key or f.name)}</code></a>{value}</p>\n")  # fmt: skip
            data = h.read_field(c, m, f)
            if data:
                shown = data[: h.FIELD_LIMIT].hex(" ")
                more = f" … ({len(data)} bytes)" if len(data) > h.FIELD_LIMIT else ""
                out.append(f'<p class="mono">{shown}{more}</p>\n')
            why = explanation(f.key) if f.key else None
            if why and not brief:
                out.append(f'<p class="why">{esc(why)}</p>\n')
        else:
            out.append(f"<p>In {where}, message {link}.</p>\n")
        if not brief:
            limit = None if m.is_handshake else h.DUMP_LIMIT
            key = f.key if f is not None and res.record_index is None else None
            out.append(hex_dump(m.raw, m.fields, base=a, limit=limit, highlight=key,
                                box="excerpt"))  # fmt: skip
    out.append("</aside>\n")
    return "".join(out)


def _quiz(q: Quiz, answers: bool) -> str:
    out = [f'<div class="quiz" id="quiz-{esc(q.id)}">\n<p class="meta">Question'
           f"{' (required)' if q.required else ''}</p>\n{prose(q.question)}"]  # fmt: skip
    if q.kind in (QuizKind.CHOICE, QuizKind.TRUE_FALSE, QuizKind.NEXT):
        out.append('<ul class="options">\n' + "".join(
            f"<li>☐ {esc(o.text)}</li>\n" for o in q.options) + "</ul>\n")  # fmt: skip
    elif q.kind == QuizKind.ORDER:
        items = list(q.items) if answers else sorted(q.items)
        out.append("<p>Put in order:</p>\n<ul class=\"options\">\n" + "".join(
            f"<li>{esc(i)}</li>\n" for i in items) + "</ul>\n")  # fmt: skip
    elif q.kind == QuizKind.NUMERIC:
        out.append(f"<p>Answer: ________ {esc(q.unit)}</p>\n")
    else:
        what = "the bytes in the hex view" if q.kind == QuizKind.BYTES else "the field in the tree"
        out.append(f'<p class="meta">Answer by picking {what}.</p>\n')
    for hint in q.hints:
        out.append(f"<details><summary>Hint</summary>{prose(hint)}</details>\n")
    if answers:
        out.append(f'<details class="answer"><summary>Answer</summary>\n<p><strong>'
                   f"{esc(q.right_answer)}</strong></p>\n")  # fmt: skip
        for o in q.options:
            if o.feedback:
                mark = "✔" if o.correct else "✘"
                out.append(f"<p>{mark} {esc(o.text)}: {esc(o.feedback)}</p>\n")
        out.append(prose(q.explanation) + "</details>\n")
    out.append("</div>\n")
    return "".join(out)
