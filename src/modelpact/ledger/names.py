"""The one rule for project and model names, checked wherever a name enters the ledger.

Names end up in references (``churn:3``, ``churn@champion``), in artifact paths and in
reports, so a name may not look like a path (``..``, ``a/b``, or the same percent-encoded)
nor hide characters a terminal would not show.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

from modelpact.errors import ConfigurationError

__all__ = ["MAX_NAME_LENGTH", "check_name"]

MAX_NAME_LENGTH = 200
# ':' and '@' would make references like "project:3" or "project@champion" ambiguous;
# slashes would make the name a path.
_FORBIDDEN = ":@/\\"


def _problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"it is longer than {MAX_NAME_LENGTH} characters"
    if name != name.strip():
        return "it starts or ends with a space"
    for char in name:
        if char in _FORBIDDEN:
            return f"it contains '{char}'"
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return f"it contains the control character U+{ord(char):04X}"
    if set(name) == {"."}:
        return "it is made of dots only, like a path"
    return None


def check_name(name: str, *, what: str = "project") -> str:
    """Return *name* if it is a valid project or model name; raise otherwise.

    A name is valid when it is 1 to 200 characters, neither starts nor ends with a space,
    holds no ``: @ / \\`` nor control characters, is not only dots (``.``, ``..``) and
    none of this changes when percent-decoded (``%2e%2e``).

    Raises
    ------
    ConfigurationError
        Naming the name, what it is for, and what is wrong with it.

    Examples
    --------
    >>> check_name("tumour-screening")
    'tumour-screening'
    >>> check_name("%2e%2e")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    modelpact.errors.ConfigurationError: project name '%2e%2e' is not valid: decoded as '..', it is ...
    """
    problem = _problem(name)
    if problem is None:
        decoded = unquote(name)
        if decoded != name and _problem(decoded) is not None:
            problem = f"decoded as {decoded!r}, {_problem(decoded)}"
    if problem is not None:
        shown = name.encode("unicode_escape").decode("ascii")
        raise ConfigurationError(
            f"{what} name '{shown}' is not valid: {problem}; name it with letters, digits, "
            "'-', '_' and '.'"
        )
    return name
