"""The base of every config table, shared by modules whose parameters live in the config."""

from __future__ import annotations

import msgspec


class ConfigSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A config table: unknown keys are errors, so a typo never silently falls back to a default.

    Subclasses must repeat `kw_only=True` (msgspec does not inherit it).
    """
