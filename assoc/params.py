"""Declarative parameters: each family and driver declares its parameters once.

A :class:`Param` states a parameter's type, default, bounds or choices and meaning. The same
declaration checks a constructor argument, a value of a spec when the spec is loaded (before
any worker starts), and writes the documentation (``assoc describe``, ``assoc families``).
Errors name the parameter, the value received and what is allowed; an unknown name gets a
"did you mean" suggestion.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .memory import _short, check_choice, check_float, check_int

KINDS = ("int", "float", "bool", "str", "choice", "seed", "any")


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    Attributes
    ----------
    name : str
    kind : {"int", "float", "bool", "str", "choice", "seed", "any"}
        ``choice`` takes one of ``choices``; ``seed`` is None or an integer >= 0; ``any``
        is passed through unchecked (for structured values checked by their consumer).
    default : object
        Value used when the parameter is not given (None where the meaning allows it).
    doc : str
        Meaning and unit, one line.
    low, high : float, optional
        Closed bounds (open where ``low_open`` / ``high_open``).
    choices : tuple of str or callable, optional
        A callable returning the tuple is read at each check (for registries that grow).
    none : bool
        Whether None is accepted (for "not set, use the rule in ``doc``").
    ctor : bool
        Whether the class constructor takes it (False: read by the family's store step).
    """

    name: str
    kind: str
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple = ()
    none: bool = False
    ctor: bool = True

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"parameter {self.name!r} of kind 'choice' needs choices")

    def check(self, value: Any, where: str = "") -> Any:
        """``value`` validated (and normalised: int, float, bool); ValueError/TypeError otherwise."""
        name = f"{where}{self.name}"
        if value is None and (self.none or self.kind in ("seed", "any")):
            return None
        if self.kind == "int":
            return check_int(name, value, low=_int_bound(self.low), high=_int_bound(self.high))
        if self.kind == "float":
            if isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            return check_float(name, value, low=self.low, high=self.high, low_open=self.low_open,
                               high_open=self.high_open)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be true or false, got {_short(value)}")
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string, got {_short(value)}")
            return value
        if self.kind == "choice":
            return check_choice(name, value, self.options())
        if self.kind == "seed":
            return check_int(name, value, low=0)
        return value

    def options(self) -> tuple:
        """The allowed choices (``choices`` may be a callable, read when checking)."""
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def allowed(self) -> str:
        """What the parameter accepts, in words (for documentation)."""
        if self.kind == "choice":
            text = " | ".join(map(str, self.options()))
        elif self.kind in ("int", "float"):
            lo = "-inf" if self.low is None else f"{self.low:g}"
            hi = "inf" if self.high is None else f"{self.high:g}"
            text = f"{self.kind} in {'(' if self.low_open else '['}{lo}, {hi}{')' if self.high_open else ']'}"
        else:
            text = self.kind
        return text + (" or none" if self.none else "")


def _int_bound(b: float | None) -> int | None:
    return None if b is None else int(b)


def suggest(name: str, known: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" suffix for a misspelt ``name``, or the empty string."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_known(what: str, names: Iterable[str], known: Iterable[str]) -> None:
    """ValueError naming the unknown ``names`` (with suggestions) and the allowed ones."""
    known = list(known)
    unknown = [k for k in names if k not in known]
    if unknown:
        hints = "".join(suggest(k, known) for k in unknown)
        raise ValueError(f"unknown {what} {unknown}{hints}; allowed: {sorted(known)}")


def validate(declared: Mapping[str, Param], values: Mapping[str, Any], *, what: str = "parameter(s)",
             where: str = "", fill: bool = True) -> dict:
    """Check every value against its declaration; defaults filled in when ``fill``.

    Unknown names raise ``ValueError`` naming them and the allowed ones.
    """
    check_known(what, values, declared)
    out = {k: p.default for k, p in declared.items()} if fill else {}
    for k, v in values.items():
        out[k] = declared[k].check(v, where)
    return out


def table(declared: Mapping[str, Param]) -> list[tuple[str, str, str, str]]:
    """``(name, default, allowed, meaning)`` rows for documentation."""
    return [(p.name, repr(p.default), p.allowed(), p.doc) for p in declared.values()]
