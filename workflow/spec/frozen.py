"""Read-only containers for what a loaded definition holds.

One `Definition` is cached per published version and shared by every ticket and request, so nothing
reachable from it may be changed in place. The containers stay a `list` and a `dict` (guards check
``isinstance(values, list)``; JSON writes them as an array and an object), but every mutating method
raises.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping


class FrozenList(list):
    """A list nobody can change: the `values` of a guard or the `to` of a notify in a cached spec."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a loaded definition is frozen; copy the list before changing it")

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __reduce__(self):  # copy/pickle rebuild from the items instead of appending one by one
        return (FrozenList, (list(self),))


class FrozenDict(dict):
    """A dict nobody can change (nested mappings in effect parameters and notifications)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a loaded definition is frozen; copy the mapping before changing it")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


def frozen_mapping(mapping: Mapping | None) -> Mapping:
    """A read-only view of a copy of `mapping` (roles, states, clocks of a definition)."""
    return MappingProxyType(dict(mapping or {}))


def deep_frozen(value: Any) -> Any:
    """`value` with every nested list and mapping made immutable (still a list / dict for JSON)."""
    if isinstance(value, dict):
        return FrozenDict({k: deep_frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList(deep_frozen(v) for v in value)
    return value


def frozen_params(params: Mapping) -> Mapping:
    """Parameters of a guard or an effect: the top level a read-only view, nested values frozen too."""
    return frozen_mapping({k: deep_frozen(v) for k, v in params.items()})


__all__ = ["FrozenList", "FrozenDict", "frozen_mapping", "deep_frozen", "frozen_params"]
