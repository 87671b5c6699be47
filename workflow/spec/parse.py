"""Read a definition's YAML text into plain Python, keeping the line and column of every value.

The text is composed into YAML nodes first, so each value's mark survives into `Located`; a key written
twice (which YAML would silently resolve to the last one) and a key that is a list or a mapping become
problems here. Syntax errors become one D100 at the place the parser gave up.

A definition comes from a supervisor's editor, so reading it must stay cheap whatever it holds: the text
is parsed once, by a loader that counts while it composes (nesting depth, aliases, and values with each
alias counted as many values as it repeats) and stops at a limit with one D108, before anything is built.
A 378-byte 'billion laughs' of nested aliases once took 17 s and 1 GB here (issue 12).
"""
from __future__ import annotations

import re
from typing import Any

import yaml

from workflow.errors import DefinitionProblem
from workflow.spec.located import Located, join_path

# The shipped SOP is 22,000 characters, 2,000 values and 8 levels deep: the limits leave room for an SOP
# ten times its size, and keep reading the worst text they let through under a second (PyYAML is pure Python).
MAX_CHARACTERS = 250_000
MAX_VALUES = 20_000  # each alias counted as the values it repeats
MAX_DEPTH = 32
MAX_ALIASES = 100


class _LimitReached(Exception):
    """Composing stopped at a limit; `problem` says which, where, and what to do."""

    def __init__(self, problem: DefinitionProblem):
        super().__init__(problem.message)
        self.problem = problem


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses, while composing, a text whose values would exceed the limits.

    Every composed node remembers how many values it stands for (aliases inside it expanded), so an alias
    adds its anchor's whole size at once: counting is linear in the text, however much the aliases repeat.
    """

    def __init__(self, text: str, file: str):
        super().__init__(text)
        self.file = file
        self.depth = self.aliases = self.values = 0
        self.sizes: dict[yaml.Node, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            return self._compose_alias(parent, index, event)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._refuse(event, f"values are nested more than {MAX_DEPTH} levels deep",
                               "a definition needs a few levels of indentation; check the brackets and the "
                               "indentation around this line")
        before = self.values
        self._count(1, event)
        node = super().compose_node(parent, index)
        self.sizes[node] = self.values - before
        self.depth -= 1
        return node

    def _compose_alias(self, parent: yaml.Node | None, index: Any, event: yaml.AliasEvent) -> yaml.Node:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise self._refuse(event, f"more than {MAX_ALIASES} aliases ('*{event.anchor}')",
                               "write the repeated values out; a definition needs few aliases, if any")
        node = super().compose_node(parent, index)  # the anchored node; ComposerError (D100) if undefined
        if node not in self.sizes:  # still being composed: the alias sits inside its own anchor
            raise self._refuse(event, f"alias '*{event.anchor}' is used inside its own anchor",
                               "an anchored value cannot contain itself; write the inner value out")
        self._count(self.sizes[node], event)
        return node

    def _count(self, values: int, event: yaml.Event) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise self._refuse(event, f"the definition holds more than {MAX_VALUES:,} values "
                                      "(each alias counted as the values it repeats)",
                               "aliases ('*name') that repeat other aliases multiply; write the repeated parts "
                               "out, and keep a definition to the SOP's states, moves and clocks")

    def _refuse(self, event: yaml.Event, message: str, hint: str) -> _LimitReached:
        mark = event.start_mark
        return _LimitReached(DefinitionProblem("D108", message, "", self.file, mark.line + 1, mark.column + 1, hint))


def parse_yaml(text: str, file: str) -> tuple[Any, Located]:
    """The plain data of `text` (None when it cannot be read) and where each value was written."""
    loc = Located(file)
    if len(text) > MAX_CHARACTERS:
        loc.problems.append(DefinitionProblem(
            "D108", f"the definition is {len(text):,} characters long; at most {MAX_CHARACTERS:,} characters "
            "are read", "", file, 1, 1,
            "keep long explanations in the SOP document and a short description here"))
        return None, loc
    loader = _BoundedLoader(text, file)
    try:
        node = loader.get_single_node()
        if node is None:
            loc.problems.append(DefinitionProblem("D101", "the file is empty", "", file, 1, 1,
                                                  "start from definitions/pengaduan-ptsp.yaml"))
            return None, loc
        return _Reader(loader, loc).construct(node, ""), loc
    except _LimitReached as exc:
        loc.problems.append(exc.problem)
        return None, loc
    except yaml.YAMLError as exc:  # syntax errors, and tags SafeLoader refuses (`!foo`, `!!python/...`)
        loc.problems.append(_syntax_problem(exc, file, text))
        return None, loc
    finally:
        loader.dispose()


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Reader:
    """Turns composed nodes into plain Python, recording each path's mark and duplicate keys."""

    def __init__(self, loader: _BoundedLoader, loc: Located):
        self.loader = loader  # its constructor turns scalars into values (and remembers each node's value)
        self.loc = loc

    def construct(self, node: yaml.Node, path: str) -> Any:
        self.loc.marks[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self.construct_mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.construct(item, join_path(path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def construct_mapping(self, node: yaml.MappingNode, path: str) -> dict:
        loc = self.loc
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                # `? [a, b]: x` is valid YAML but no definition key is a list or a mapping (and it would not hash)
                loc.problems.append(DefinitionProblem(
                    "D101", "a key must be a plain name, not a list or a mapping", join_path(path, "?"), loc.file,
                    *_mark(key_node), "write the key as a single word followed by ':'"))
                continue
            key = self.scalar(key_node)
            child = join_path(path, key)
            if key in out:
                loc.marks[child + "#dup"] = _mark(key_node)
                loc.marks.setdefault(child, loc.marks[child + "#dup"])
                loc.problems.append(DefinitionProblem(
                    "D107", f"key '{key}' is written twice; YAML would silently keep only the last one",
                    child, loc.file, *_mark(key_node), "remove or rename one of them"))
            loc.marks[child] = _mark(key_node)
            out[key] = self.construct(value_node, child)
            loc.marks[child] = _mark(key_node)
        return out

    def scalar(self, node: yaml.Node) -> Any:
        """A scalar's Python value, with the tag the composer resolved (int, bool, date, str...)."""
        return self.loader.construct_object(node, deep=True)


def _syntax_problem(exc: yaml.YAMLError, file: str, text: str = "") -> DefinitionProblem:
    """D100 at the place the parser gave up, naming where the construct it was reading began, with a hint
    about the likely cause: a line indented unlike its neighbours, an unquoted ': ', a tag."""
    mark = getattr(exc, "problem_mark", None)
    message = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None and (mark is None or context_mark.line != mark.line):
        message += f" ({context} that starts on line {context_mark.line + 1})"
    hint = "check the indentation and quoting around this line"
    indented = _indentation_hint(text, mark) if mark is not None else ""
    if "could not determine a constructor" in message:
        hint = "remove the '!' tag; definitions use plain YAML values only"
    elif indented:
        hint = indented
    elif "mapping values are not allowed" in message or "but got ':'" in message:
        hint = "a value containing ': ' must be quoted, e.g. label: \"Catatan: wajib\""
    return DefinitionProblem("D100", message, "", file, mark.line + 1 if mark else None,
                             mark.column + 1 if mark else None, hint)


_KEY_ONLY = re.compile(r"\s*(- +)?[^\s:#'\"{}\[\]][^:#]*")


def _indentation_hint(text: str, mark) -> str:
    """An indentation hint when the parser stopped at a line that starts a key (``label_en:``) indented
    unlike the line above it: there the colon is not inside a value, so quoting would not help."""
    lines = text.splitlines()
    if not 0 < mark.line < len(lines):
        return ""
    line = lines[mark.line]
    before = line[:mark.column]
    starts_key = bool(_KEY_ONLY.fullmatch(before)) or not before.strip()
    above = next((lines[i] for i in range(mark.line - 1, -1, -1)
                  if lines[i].strip() and not lines[i].lstrip().startswith("#")), None)
    if not starts_key or above is None:
        return ""
    here, there = len(line) - len(line.lstrip(" ")), len(above) - len(above.lstrip(" "))
    if here == there:
        return ""
    return (f"line {mark.line + 1} is indented {here} spaces and the line above it {there}: keys of one mapping "
            "start in the same column (indent with spaces, two per level)")


__all__ = ["parse_yaml"]
