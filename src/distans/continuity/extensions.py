"""Other apps' parts of a plan (the walk-in desk's booking-only mode joins here).

An app registers an :class:`Extension` from its ``AppConfig.ready``::

    from distans.continuity.extensions import Extension, register

    register(Extension(
        name="visits",                      # the key under the document's "extensions"
        capture=lambda organisation, data: {...},   # today's state of what data names
        apply=lambda organisation, actor, state: None,  # make it so (inside the
                                            # activation's transaction; raise to refuse)
        difference=lambda before, after: [],   # plan_data.Item list, in words
    ))

A plan's ``extensions[name]`` is the state asked for while the plan is active;
activation captures ``capture(organisation, data)`` first and deactivation applies
it again, so an extension is reversible as long as ``apply(capture(x))`` restores x.
A document naming an extension that is not installed is refused at activation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Extension:
    name: str
    capture: Callable[[Any, Any], Any]
    apply: Callable[[Any, Any, Any], None]
    difference: Callable[[Any, Any], list[Any]]


_REGISTRY: dict[str, Extension] = {}


def register(extension: Extension) -> None:
    _REGISTRY[extension.name] = extension


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def get(name: str) -> Extension | None:
    return _REGISTRY.get(name)


def names() -> list[str]:
    return sorted(_REGISTRY)
