"""Read a definition's YAML text into plain Python, keeping the line and column of every value.

The text is composed into YAML nodes first, so each value's mark survives into `Located`; a key written
twice (which YAML would silently resolve to the last one) and a key that is a list or a mapping become
problems here. Syntax errors become one D100 at the place the parser gave up.
"""
from __future__ import annotations

from typing import Any

import yaml

from workflow.errors import DefinitionProblem
from workflow.spec.located import Located, join_path


def parse_yaml(text: str, file: str) -> tuple[Any, Located]:
    """The plain data of `text` (None when it cannot be read) and where each value was written."""
    loc = Located(file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            loc.problems.append(DefinitionProblem("D101", "the file is empty", "", file, 1, 1,
                                                  "start from definitions/pengaduan-ptsp.yaml"))
            return None, loc
        return _construct(node, "", loc), loc
    except yaml.YAMLError as exc:  # syntax errors, and tags SafeLoader refuses (`!foo`, `!!python/...`)
        loc.problems.append(_syntax_problem(exc, file))
        return None, loc


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _construct(node: yaml.Node, path: str, loc: Located) -> Any:
    """Turn a composed node into plain Python, recording each path's mark and duplicate keys."""
    loc.marks[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        return _construct_mapping(node, path, loc)
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, join_path(path, i), loc) for i, item in enumerate(node.value)]
    return _scalar(node)


def _construct_mapping(node: yaml.MappingNode, path: str, loc: Located) -> dict:
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            # `? [a, b]: x` is valid YAML but no definition key is a list or a mapping (and it would not hash)
            loc.problems.append(DefinitionProblem(
                "D101", "a key must be a plain name, not a list or a mapping", join_path(path, "?"), loc.file,
                *_mark(key_node), "write the key as a single word followed by ':'"))
            continue
        key = _scalar(key_node)
        child = join_path(path, key)
        if key in out:
            loc.marks[child + "#dup"] = _mark(key_node)
            loc.marks.setdefault(child, loc.marks[child + "#dup"])
            loc.problems.append(DefinitionProblem(
                "D107", f"key '{key}' is written twice; YAML would silently keep only the last one",
                child, loc.file, *_mark(key_node), "remove or rename one of them"))
        loc.marks[child] = _mark(key_node)
        out[key] = _construct(value_node, child, loc)
        loc.marks[child] = _mark(key_node)
    return out


def _scalar(node: yaml.Node) -> Any:
    """A scalar's Python value, with the tag the composer resolved (int, bool, date, str...)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.YAMLError, file: str) -> DefinitionProblem:
    """D100 at the place the parser gave up, naming where the construct it was reading began."""
    mark = getattr(exc, "problem_mark", None)
    message = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None and (mark is None or context_mark.line != mark.line):
        message += f" ({context} that starts on line {context_mark.line + 1})"
    hint = "check the indentation and quoting around this line"
    if "could not determine a constructor" in message:
        hint = "remove the '!' tag; definitions use plain YAML values only"
    elif "mapping values are not allowed" in message or "but got ':'" in message:
        hint = "a value containing ': ' must be quoted, e.g. label: \"Catatan: wajib\""
    return DefinitionProblem("D100", message, "", file, mark.line + 1 if mark else None,
                             mark.column + 1 if mark else None, hint)


__all__ = ["parse_yaml"]
