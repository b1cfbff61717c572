"""One ``<quiz>`` block -> :class:`~tlsviz.lessons.model.Quiz`.

Inside the block, in this order (the quizdown / mkdocs-quiz conventions):

* optional ``@show`` lines: where the explorer looks while the quiz is asked;
* the question (Markdown);
* hints: ``>`` lines before the answers (a blank line between two hints);
* the answers: ``- [x]`` right / ``- [ ]`` wrong options, each optionally followed by
  ``>`` lines of feedback for that option; or ``1.`` items in the right order; or
  ``answer:`` (with ``tolerance:``, ``unit:``, ``measure:``) for a number;
* the explanation: everything after the answers, shown after any answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .model import MEASURES, Option, Problem, Quiz, QuizKind, Target
from .specs import is_slug, parse_field_spec, parse_message_spec, parse_target

_ATTR = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*)(?:=(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=]+)))?")
_OPTION = re.compile(r"^\s{0,3}[-*+]\s+\[( |x|X)\]\s*(.*)$")
_ITEM = re.compile(r"^\s{0,3}\d{1,3}[.)]\s+(.*\S)\s*$")
_META = re.compile(r"^(answer|tolerance|unit|measure)\s*:\s*(.*)$", re.IGNORECASE)
_NUMBER = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*(?:(?:±|\+-|\+/-)\s*(\d+(?:\.\d+)?))?\s*(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ATTRIBUTES = ("id", "kind", "required", "covers")


@dataclass
class _Opt:
    text: str
    correct: bool
    line: int
    feedback: list[str] = field(default_factory=list)


class QuizParser:
    def __init__(self, path: str, line: int, body: list[str], default_capture: str | None) -> None:
        self.path = path
        self.line = line  # of the <quiz> line
        self.body = body
        self.default_capture = default_capture
        self.problems: list[Problem] = []

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def attributes(self, open_line: str) -> dict[str, str]:
        text = open_line.strip()[len("<quiz") : -1]
        out: dict[str, str] = {}
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _ATTR.match(text, pos)
            if not m or m.end() == pos:
                self.error(self.line, f"cannot read the <quiz> attributes from {text[pos:]!r}")
                return out
            name = m.group(1)
            value = next((g for g in m.groups()[1:] if g is not None), None)
            if name not in _ATTRIBUTES:
                self.error(
                    self.line,
                    f"unknown quiz attribute {name!r} (known: " + ", ".join(_ATTRIBUTES) + ")",
                )
            elif name in out:
                self.error(self.line, f"quiz attribute {name!r} is given twice")
            else:
                out[name] = "true" if value is None and name == "required" else (value or "")
            pos = m.end()
        return out

    def parse(self, open_line: str, default_id: str) -> Quiz | None:
        before = len(self.problems)
        attrs = self.attributes(open_line)
        quiz_id = attrs.get("id") or default_id
        if not is_slug(quiz_id):
            self.error(self.line, f"quiz id {quiz_id!r} must be lower-case letters, digits, '-'")
        required = attrs.get("required", "false").lower()
        if required not in ("true", "false", "yes", "no"):
            self.error(self.line, f"required={required!r}: write 'required' or required=\"false\"")
        covers = tuple(c for c in re.split(r"[\s,]+", attrs.get("covers", "")) if c)
        for item in covers:
            if not is_slug(item):
                self.error(
                    self.line, f"course item {item!r} must be lower-case letters, digits, '-'"
                )

        target: Target | None = None
        question: list[str] = []
        hints: list[list[str]] = []
        options: list[_Opt] = []
        items: list[tuple[str, int]] = []
        meta: dict[str, tuple[str, int]] = {}
        explanation: list[str] = []
        state = "question"  # question -> hints -> answers -> explanation
        hint_break = False
        fence: str | None = None
        for k, raw in enumerate(self.body):
            n = self.line + 1 + k
            stripped = raw.strip()
            if state == "explanation" or fence is not None:
                m = _FENCE.match(raw)
                if fence is not None and m and m.group(1) == fence:
                    fence = None
                elif fence is None and m:
                    fence = m.group(1)
                if raw.startswith("@") and fence is None:
                    self.error(n, "directives go before the question, not in the explanation")
                (explanation if state == "explanation" else question).append(raw)
                continue
            if raw.startswith("@"):
                name, _, rest = raw[1:].partition(" ")
                if name != "show":
                    self.error(n, f"a quiz knows only the @show directive, not @{name}")
                elif target is not None:
                    self.error(n, "a second @show in this quiz")
                elif question or hints or options or items or meta:
                    self.error(n, "@show goes first in a quiz, before the question")
                else:
                    try:
                        target = parse_target(rest, n, self.default_capture)
                    except ValueError as err:
                        self.error(n, str(err))
                continue
            opt = _OPTION.match(raw)
            item = _ITEM.match(raw)
            meta_m = _META.match(stripped)
            if state in ("question", "hints"):
                if stripped.startswith(">"):
                    if not question:
                        self.error(n, "a hint ('>' line) before the question")
                    if state == "question" or hint_break:
                        hints.append([])
                    state, hint_break = "hints", False
                    hints[-1].append(_unquote_block(stripped))
                    continue
                if state == "hints" and not stripped:
                    hint_break = True
                    continue
                if opt or item or meta_m:
                    state = "answers"
                elif state == "hints":
                    self.error(
                        n, "question text after a hint: hints ('>') come right before answers"
                    )
                    continue
                else:
                    m = _FENCE.match(raw)
                    if m:
                        fence = m.group(1)
                    question.append(raw)
                    continue
            # state == "answers"
            if opt:
                if items:
                    self.error(n, "options and numbered items in one quiz: choose one of them")
                options.append(_Opt(opt.group(2).strip(), opt.group(1) != " ", n))
            elif item and not options:
                items.append((item.group(1), n))
            elif meta_m:
                key = meta_m.group(1).lower()
                if key in meta:
                    self.error(n, f"{key}: is given twice")
                meta[key] = (meta_m.group(2).strip(), n)
            elif stripped.startswith(">"):
                if options:
                    options[-1].feedback.append(_unquote_block(stripped))
                else:
                    self.error(n, "feedback ('>') must follow an option ('- [x]' or '- [ ]')")
            elif not stripped:
                continue
            elif options and raw[:2] == "  " and not options[-1].feedback:
                options[-1].text = f"{options[-1].text} {stripped}"
            else:
                state = "explanation"
                explanation.append(raw)
        if fence is not None:
            self.error(self.line, "a code block inside this quiz is never closed")
        return self._build(
            quiz_id, attrs.get("kind"), required in ("true", "yes"), covers, target,
            question, hints, options, items, meta, explanation, before,
        )  # fmt: skip

    def _build(
        self,
        quiz_id: str,
        kind_text: str | None,
        required: bool,
        covers: tuple[str, ...],
        target: Target | None,
        question: list[str],
        hints: list[list[str]],
        options: list[_Opt],
        items: list[tuple[str, int]],
        meta: dict[str, tuple[str, int]],
        explanation: list[str],
        before: int,
    ) -> Quiz | None:
        n = self.line
        q = "\n".join(question).strip()
        if not q:
            self.error(n, "the quiz has no question")
        expl = "\n".join(explanation).strip()
        if not expl:
            self.error(
                n, "the quiz has no explanation (text after the answers, shown after any answer)"
            )
        opts = tuple(
            Option(o.text, o.correct, "\n".join(o.feedback).strip(), o.line) for o in options
        )
        for o in opts:
            if not o.text:
                self.error(o.line, "an option without text")
        kind = self._kind(kind_text, opts, items, meta)
        if kind is None:
            return None
        answer, tolerance, unit, measure = self._numeric(kind, meta)
        if kind != QuizKind.NUMERIC:
            for key, (_, line) in meta.items():
                self.error(line, f"{key}: belongs to numeric quizzes, this one is {kind}")
        if kind != QuizKind.ORDER and items:
            self.error(items[0][1], f"numbered items belong to order quizzes, this one is {kind}")
        self._check_kind(kind, opts, items, target)
        if len(self.problems) > before:
            return None
        return Quiz(
            id=quiz_id,
            kind=kind,
            question=q,
            explanation=expl,
            options=opts,
            items=tuple(t for t, _ in items),
            answer=answer,
            tolerance=tolerance,
            unit=unit,
            measure=measure,
            hints=tuple("\n".join(h).strip() for h in hints),
            required=required,
            covers=covers,
            target=target,
            line=n,
        )

    def _kind(
        self,
        text: str | None,
        opts: tuple[Option, ...],
        items: list[tuple[str, int]],
        meta: dict[str, tuple[str, int]],
    ) -> QuizKind | None:
        if text is not None:
            try:
                return QuizKind(text)
            except ValueError:
                known = ", ".join(k.value for k in QuizKind)
                self.error(self.line, f"kind={text!r} is not a quiz kind (known: {known})")
                return None
        if opts:
            words = {o.text.lower() for o in opts}
            return QuizKind.TRUE_FALSE if words == {"true", "false"} else QuizKind.CHOICE
        if items:
            return QuizKind.ORDER
        if "answer" in meta:
            return QuizKind.NUMERIC
        self.error(self.line, "the quiz has no answers: '- [x]' options, '1.' items or 'answer:'")
        return None

    def _numeric(
        self, kind: QuizKind, meta: dict[str, tuple[str, int]]
    ) -> tuple[float | None, float, str, str | None]:
        if kind != QuizKind.NUMERIC:
            return None, 0.0, "", None
        if "answer" not in meta:
            self.error(self.line, "a numeric quiz needs an 'answer:' line")
            return None, 0.0, "", None
        text, line = meta["answer"]
        m = _NUMBER.match(text)
        if not m:
            self.error(line, f"answer: {text!r} is not a number (e.g. 'answer: 16' or '2 ± 0.5')")
            return None, 0.0, "", None
        answer = float(m.group(1))
        tolerance = float(m.group(2)) if m.group(2) else 0.0
        unit = m.group(3).strip()
        if "tolerance" in meta:
            if m.group(2):
                self.error(meta["tolerance"][1], "the tolerance is given twice (± and tolerance:)")
            try:
                tolerance = float(meta["tolerance"][0])
            except ValueError:
                self.error(meta["tolerance"][1], "tolerance: must be a number")
        if not math.isfinite(answer) or not math.isfinite(tolerance) or tolerance < 0:
            self.error(line, "the answer and tolerance must be finite, the tolerance not negative")
        if "unit" in meta:
            if unit:
                self.error(meta["unit"][1], "the unit is given twice (after the answer and unit:)")
            unit = meta["unit"][0]
        measure = meta["measure"][0] if "measure" in meta else None
        if measure is not None and measure not in MEASURES:
            self.error(
                meta["measure"][1], f"measure: {measure!r} is not one of " + ", ".join(MEASURES)
            )
        return answer, tolerance, unit, measure

    def _check_kind(
        self,
        kind: QuizKind,
        opts: tuple[Option, ...],
        items: list[tuple[str, int]],
        target: Target | None,
    ) -> None:
        n = self.line
        right = [o for o in opts if o.correct]
        if kind in (QuizKind.CHOICE, QuizKind.TRUE_FALSE, QuizKind.NEXT):
            if len(opts) < 2:
                self.error(n, f"a {kind} quiz needs at least two options")
            if not right:
                self.error(n, "no option is marked right ('- [x]')")
        if kind in (QuizKind.TRUE_FALSE, QuizKind.NEXT) and len(right) > 1:
            self.error(n, f"a {kind} quiz has exactly one right option")
        if kind == QuizKind.TRUE_FALSE and {o.text.lower() for o in opts} != {"true", "false"}:
            self.error(n, "a truefalse quiz has the two options True and False")
        if kind == QuizKind.ORDER:
            if opts:
                self.error(n, "an order quiz lists its items as '1.', '2.' ... in the right order")
            if len(items) < 3:
                self.error(n, "an order quiz needs at least three items")
            texts = [t for t, _ in items]
            for t, line in items:
                if texts.count(t) > 1:
                    self.error(line, f"item {t!r} appears twice")
                    break
        if kind == QuizKind.NEXT:
            if target is None or target.message is None:
                self.error(
                    n,
                    "a next quiz needs '@show ... message=...' (the message before)",
                )
            for o in opts:
                try:
                    parse_message_spec(o.text)
                except ValueError as err:
                    self.error(o.line, str(err))
        if kind in (QuizKind.FIELD, QuizKind.BYTES):
            if target is None or target.message is None:
                self.error(
                    n, f"a {kind} quiz needs '@show ... message=...': the message to pick in"
                )
            if not right:
                self.error(n, "no field key is marked right ('- [x] ext.key_share')")
            for o in opts:
                try:
                    parse_field_spec(o.text)
                except ValueError as err:
                    self.error(o.line, str(err))


def _unquote_block(stripped: str) -> str:
    text = stripped[1:]
    text = text[1:] if text.startswith(" ") else text
    low = text.lower()
    if low.startswith("hint:"):
        text = text[5:].lstrip()
    return text
