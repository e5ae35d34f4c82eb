"""Areas that are also entry points: ``modelpact.audit(...)`` and ``modelpact.monitor(...)``.

``modelpact.audit`` is both a package (its checks, its result class) and the function that
runs an audit; a package attribute can only be one object, and replacing the package by the
function would break ``import modelpact.audit``. So the package itself is made callable:
calling it calls its entry point, and every other attribute is the package's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["EntryPointModule", "make_callable"]


class EntryPointModule(ModuleType):
    """A module that, called, runs its area's entry point."""

    __entry_point__: Callable[..., Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__entry_point__(*args, **kwargs)


def make_callable(module_name: str, entry_point: Callable[..., Any]) -> None:
    """Make the already-imported module *module_name* call *entry_point* when called."""
    module = sys.modules[module_name]
    module.__class__ = EntryPointModule
    module.__entry_point__ = entry_point  # type: ignore[attr-defined]
