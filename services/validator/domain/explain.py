"""Why an anomaly was raised: the rules that can yield its code, each with what it follows
(its docstring's first sentence, its docs/sources.md §), read from the rules' own code, that
of the running version (the audit log shows them: docs/adr/0007-audit.md).

The codes a rule yields are the code literals of its body ("00663-005") and those it builds
("f'{BLOCK}-260'"), following the same module's helpers it names (quotas' CHECKS) and the
constants a built code starts with: a module constant, the declaration type's block
(`case.block`), the zones a function returns (`employer_zone(...)`), or the zones the rule
passes to its helper (`_presence(case, "period_id", "00913")`). A code built from anything
else would be kept as its suffix ("*-460"), matching any code that ends so. A code the
catalogue lacks is left out (`case.block` gives 90377-343 too, which the catalogue, like
the rule, excludes). Nothing is read before the first question (no work at import).
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from types import FunctionType, ModuleType

from schemas.catalogue import catalogue
from services.validator.domain import FLEXI_WAGE_RULES, REGISTRATION_RULES, RULES
from services.validator.domain.case import BLOCK

CODE = re.compile(r"\d{5}-\d{3}")
ZONE = re.compile(r"\d{5}")
SUFFIX = re.compile(r"-\d{3}")
SOURCE = re.compile(r"docs/sources\.md\s+§[^;)]*")
SENTENCE = re.compile(r"(.+?\.)(\s|$)")
RULEBOOKS = {"DAILY_REGISTRATION": REGISTRATION_RULES, "FLEXI_WAGE": FLEXI_WAGE_RULES}
"""The rules of each declaration type that has its own; every other type has RULES."""


@dataclass(frozen=True)
class RuleRef:
    """A rule, by its function's dotted name, with what it follows."""

    function: str
    summary: str
    """Its docstring's first sentence, else its module docstring's."""
    source: str | None
    """The docs/sources.md reference of its docstring, else of its module's ("docs/sources.md
    §2.2, §6.1"); None when neither cites one."""

    def to_json(self) -> dict:
        return {"function": self.function, "summary": self.summary, "source": self.source}


def rules_of(code: str, declaration_type: str | None = None) -> list[RuleRef]:
    """The rules that can raise `code`: those of the declaration type's rulebook, or of all
    three when no type is given; in the order the rulebooks list them."""
    books = ([RULEBOOKS.get(declaration_type, RULES)] if declaration_type
             else [RULES, REGISTRATION_RULES, FLEXI_WAGE_RULES])
    found = [rule for book in books for rule in _index(book).get(code, [])
             + _index(book).get("*" + code[5:], [])]
    return list(dict.fromkeys(found))


def codes_of(rule: Callable) -> frozenset[str]:
    """The codes a rule can yield ("*-460" for one whose prefix could not be read); those
    the catalogue lacks are left out: no rule can raise them (Anomaly.of)."""
    known = catalogue()
    return frozenset(c for c in _codes(rule, (), frozenset()) if c[0] == "*" or c in known)


@cache
def _index(rules: tuple[Callable, ...]) -> dict[str, list[RuleRef]]:
    index: dict[str, list[RuleRef]] = {}
    for rule in dict.fromkeys(rules):  # parties.no_mandate is in all three
        for code in sorted(codes_of(rule)):
            index.setdefault(code, []).append(rule_ref(rule))
    return index


@cache
def rule_ref(rule: Callable) -> RuleRef:
    """A rule's name, what it follows and where that is written."""
    own, general = inspect.getdoc(rule) or "", inspect.getdoc(sys.modules[rule.__module__])
    general = general or ""
    source = SOURCE.search(own) or SOURCE.search(general)
    return RuleRef(f"{rule.__module__}.{rule.__qualname__}",
                   _first_sentence(own or general),
                   source and " ".join(source.group().split()))


def _first_sentence(doc: str) -> str:
    paragraph = " ".join(doc.split("\n\n")[0].split())
    found = SENTENCE.match(paragraph)
    return found.group(1) if found else paragraph


def _codes(function: Callable, zones: tuple[str, ...], seen: frozenset) -> Iterator[str]:
    """The codes of a function's body (docstrings left out), and of the same module's
    functions it names; `zones` are those its caller passes it."""
    module = sys.modules[function.__module__]
    body = _body(function)
    for node in (n for statement in body for n in ast.walk(statement)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and CODE.fullmatch(node.value):
            yield node.value
        elif isinstance(node, ast.JoinedStr) and (built := _built(node)):
            expression, suffix = built
            for prefix in _prefixes(expression, module, zones) or ["*"]:
                yield prefix + suffix
    passed, seen = tuple(_zones(body)), seen | {function}
    for helper in _helpers(body, module):
        if helper not in seen:
            yield from _codes(helper, passed, seen)


def _body(function: Callable) -> list[ast.stmt]:
    definition = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    assert isinstance(definition, ast.FunctionDef)
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring names codes other rules yield (no_mandate's)
    return body


def _built(node: ast.JoinedStr) -> tuple[ast.expr, str] | None:
    """f"{…}-NNN", a code whose zone or block is an expression: the expression and -NNN."""
    match node.values:
        case [ast.FormattedValue(value=expression), ast.Constant(value=str(suffix))] \
                if SUFFIX.fullmatch(suffix):
            return expression, suffix
    return None


def _prefixes(expression: ast.expr, module: ModuleType, zones: tuple[str, ...]
              ) -> list[str]:
    """What a built code can start with."""
    if isinstance(expression, ast.Attribute) and expression.attr == "block":
        return list(BLOCK.values())  # Case.block: the block of the declaration type
    if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name):
        called = getattr(module, expression.func.id, None)
        return _zones(_body(called)) if inspect.isfunction(called) else []
    if isinstance(expression, ast.Name):
        value = getattr(module, expression.id, None)
        if isinstance(value, str):
            return [value] if ZONE.fullmatch(value) else []
        return list(zones)  # a parameter or a local: what the caller gave
    return []


def _zones(body: Iterable[ast.stmt]) -> list[str]:
    """The zone literals of a body ("00913")."""
    found = (n.value for statement in body for n in ast.walk(statement)
             if isinstance(n, ast.Constant) and isinstance(n.value, str))
    return list(dict.fromkeys(v for v in found if ZONE.fullmatch(v)))


def _helpers(body: Iterable[ast.stmt], module: ModuleType) -> Iterator[FunctionType]:
    """The functions of the same module a body names, also through a module constant that
    holds them (quotas.CHECKS)."""
    for name in dict.fromkeys(n.id for s in body for n in ast.walk(s)
                              if isinstance(n, ast.Name)):
        value = getattr(module, name, None)
        values = value.values() if isinstance(value, dict) else [value]
        yield from (v for v in values if inspect.isfunction(v)
                    and v.__module__ == module.__name__)
