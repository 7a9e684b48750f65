"""Benchmark results, their targets and how they are shown (text or one JSON document; pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Op = Literal["<=", ">="]


@dataclass(frozen=True, slots=True)
class Check:
    """One figure against its target; ``value`` None means it could not be measured (a fail)."""

    name: str
    value: float | None
    op: Op
    limit: float
    unit: str = ""

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "target": f"{self.op} {self.limit:g}{' ' + self.unit if self.unit else ''}",
            "op": self.op,
            "limit": self.limit,
            "unit": self.unit,
            "passed": self.passed,
        }

    def line(self) -> str:
        value = "n/a" if self.value is None else f"{self.value:,.4g}"
        unit = f" {self.unit}" if self.unit else ""
        verdict = "PASS" if self.passed else "FAIL"
        return f"  [{verdict}] {self.name}: {value}{unit} (target {self.op} {self.limit:g}{unit})"


@dataclass(slots=True)
class BenchResult:
    """What one benchmark measured: figures, the conditions, targets, and text lines for people."""

    name: str
    figures: dict[str, Any]
    conditions: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "figures": self.figures,
            "conditions": self.conditions,
            "targets": [check.to_json() for check in self.checks],
        }

    def text(self) -> str:
        conditions = ", ".join(f"{k}={_short(v)}" for k, v in self.conditions.items())
        out = [f"== {self.name} ==", *self.lines, f"  conditions: {conditions}"]
        out += [check.line() for check in self.checks]
        return "\n".join(out)


def document(
    machine: dict[str, Any], results: list[BenchResult], command: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    """The whole run as one JSON-ready document: every figure, target and verdict."""
    checks = [check for result in results for check in result.checks]
    return {
        "command": command,
        "arguments": arguments,
        "machine": machine,
        "benchmarks": {result.name: result.to_json() for result in results},
        "targets": [check.to_json() for check in checks],
        "passed": sum(check.passed for check in checks),
        "failed": sum(not check.passed for check in checks),
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=False)


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)
