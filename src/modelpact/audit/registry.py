"""Checks registered by their stable name, so the audit, the CLI and tests can list them.

A check is a class with a ``name``, a pydantic ``Config`` (``kind`` = the name, plus its
thresholds) and ``run(ctx) -> CheckOutcome``. Registering is what makes a check part of every
audit, in registration order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from modelpact.audit.context import AuditContext
from modelpact.audit.result import CheckOutcome
from modelpact.errors import ConfigurationError, closest

__all__ = ["CHECKS", "Check", "CheckConfig", "check_names", "get_check", "register"]


class CheckConfig(BaseModel):
    """Settings of one check; ``kind`` names the check (the discriminator)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: str


class Check(ABC):
    """A calculator: stores its configuration, ``run`` does the work on a prepared context."""

    name: ClassVar[str]
    title: ClassVar[str]
    Config: ClassVar[type[CheckConfig]]

    def __init__(self, config: CheckConfig | None = None) -> None:
        self.config = config if config is not None else self.Config(kind=self.name)

    @abstractmethod
    def run(self, ctx: AuditContext) -> CheckOutcome:
        """Examine *ctx* and return findings (never raise for odd data: report it)."""

    def outcome(self, **kwargs: Any) -> CheckOutcome:
        """A :class:`CheckOutcome` labelled with this check's name."""
        return CheckOutcome(check=self.name, **kwargs)


#: name -> check class, in the order audits run them.
CHECKS: dict[str, type[Check]] = {}

C = TypeVar("C", bound=type[Check])


def register(cls: C) -> C:
    """Class decorator adding a check to :data:`CHECKS` under its ``name``."""
    if cls.name in CHECKS:
        raise ValueError(f"a check named {cls.name!r} is already registered")
    CHECKS[cls.name] = cls
    return cls


def check_names() -> list[str]:
    """Registered check names, in run order."""
    return list(CHECKS)


def get_check(name: str) -> type[Check]:
    """The check class registered as *name*."""
    try:
        return CHECKS[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown check '{name}'{closest(name, CHECKS)} (known: {', '.join(CHECKS)})"
        ) from None
