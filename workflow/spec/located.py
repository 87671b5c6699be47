"""Where each value of a definition was written, and the suggestions its problems carry.

Both validation stages report through one `Located`: stage 1 (`workflow.spec.structure`) records the
line and column of every YAML path while it reads the text, stage 2 (`workflow.spec.validation`) reports
meaning problems at the same paths. Keeping it here, apart from both stages, lets each import it without
importing the other.
"""
from __future__ import annotations

import difflib
import re
from typing import Any, Iterable

from workflow.errors import DefinitionProblem

_LAST_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


class Located:
    """Line/column of every YAML path, kept beside the plain data, and the problems found so far."""

    def __init__(self, file: str):
        self.file = file
        self.marks: dict[str, tuple[int, int]] = {}
        self.problems: list[DefinitionProblem] = []

    def at(self, path: str) -> tuple[int | None, int | None]:
        """The mark of `path`, or of its nearest written ancestor (a default has no line of its own)."""
        probe = path
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            parent = _LAST_STEP.sub("", probe)
            if parent == probe:  # no shorter prefix: fall back to the document's start
                break
            probe = parent
        return self.marks.get("", (None, None))

    def problem(self, code: str, path: str, message: str, hint: str = "") -> None:
        line, column = self.at(path)
        self.problems.append(DefinitionProblem(code=code, message=message, path=path, file=self.file,
                                               line=line, column=column, hint=hint))


def join_path(path: str, key: Any) -> str:
    """The YAML path of a child: ``states.diterima`` for a key, ``transitions[3]`` for an index."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest choice to a misspelt name, or "" when none is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


__all__ = ["Located", "join_path", "did_you_mean"]
