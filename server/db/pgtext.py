"""PostgreSQL text cannot hold NUL characters (SQLite's can): on a PostgreSQL connection every string parameter
has them replaced by U+FFFD, so a lookup by an id holding one finds nothing (a 404, as on SQLite) and stored
text keeps a visible mark, instead of the driver failing the statement (a 500)."""

from __future__ import annotations

from typing import Any

from psycopg.types.string import StrBinaryDumper, StrDumperUnknown

NUL, REPLACEMENT = "\x00", "\ufffd"


class _NulFreeText(StrDumperUnknown):
    def dump(self, obj: str) -> Any:
        return super().dump(obj.replace(NUL, REPLACEMENT) if NUL in obj else obj)


class _NulFreeBinary(StrBinaryDumper):
    def dump(self, obj: str) -> Any:
        return super().dump(obj.replace(NUL, REPLACEMENT) if NUL in obj else obj)


def register(connection: Any) -> None:
    """Use the NUL-free string dumpers on one psycopg connection (in both parameter formats)."""
    connection.adapters.register_dumper(str, _NulFreeBinary)
    connection.adapters.register_dumper(str, _NulFreeText)
