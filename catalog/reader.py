"""Reads JSON objects into frozen dataclasses by their fields' type hints; every error names the file and key."""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union, cast, get_args, get_origin, get_type_hints

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")
T = TypeVar("T")
ROOT = "(root)"
"""The key of a file's single top-level object."""


class CatalogError(ValueError):
    """Inconsistent master data, named by file and key."""

    def __init__(self, file: str, key: str, message: str) -> None:
        super().__init__(f"{file}: {key}: {message}")
        self.file = file
        self.key = key


class Row:
    """One JSON object with the file and key it came from, so that every error can say where."""

    def __init__(self, file: str, key: str, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise CatalogError(file, key, "expected an object")
        self.file, self.key, self.data = file, key, data

    def error(self, message: str) -> CatalogError:
        return CatalogError(self.file, self.key, message)

    def raw(self, name: str) -> Any:
        if name not in self.data:
            raise self.error(f"missing field {name!r}")
        return self.data[name]

    def typed(self, name: str, kind: type[T]) -> T:
        value = self.raw(name)
        if not _is(value, kind):
            raise self.error(f"field {name!r} must be {kind.__name__}, got {value!r}")
        return cast(T, value)

    def decimal(self, name: str) -> Decimal:
        text = self.typed(name, str)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise self.error(f"field {name!r} is not a decimal: {text!r}") from None
        if not number.is_finite():
            raise self.error(f"field {name!r} is not a finite decimal: {text!r}")
        return number

    def iso_date(self, name: str) -> date:
        text = self.typed(name, str)
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.error(f"field {name!r} is not an ISO date: {text!r}") from None

    def child(self, name: str) -> Row:
        """The object in field `name`."""
        return Row(self.file, f"{self.key}.{name}", self.raw(name))

    def path(self, name: str) -> str:
        """The key the elements of list field `name` are named by: its path, without the root marker."""
        return name if self.key == ROOT else f"{self.key}.{name}"

    def items(self, name: str) -> list[Row]:
        """The objects of list field `name`, each named by its path and index."""
        return [Row(self.file, f"{self.path(name)}[{n}]", item) for n, item in enumerate(self.typed(name, list))]


def _is(value: Any, kind: type) -> bool:
    # bool is an int subclass: keep the two apart
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


_LIST_OF = {str: "strings", int: "integers"}


def _read_json(directory: Path, file: str) -> Any:
    path = directory / file
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(file, "(file)", f"not found in {directory}") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(file, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None


def root_row(directory: Path, file: str) -> Row:
    """A file holding one object."""
    return Row(file, ROOT, _read_json(directory, file))


def rows(directory: Path, file: str, key_field: str) -> list[Row]:
    """A file holding a list of objects, each named by its `key_field` (or its index when it has none)."""
    data = _read_json(directory, file)
    if not isinstance(data, list):
        raise CatalogError(file, "(file)", "expected a list")
    out = []
    for index, item in enumerate(data):
        key = item.get(key_field) if isinstance(item, Mapping) else None
        out.append(Row(file, str(key) if key is not None else f"[{index}]", item))
    return out


def json_key(field_name: str) -> str:
    """The JSON key of a record field: `time_units_per_hour` is `timeUnitsPerHour`."""
    first, *rest = field_name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _optional(hint: Any) -> Any:
    """`X` for a hint `X | None`, else None."""
    if get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint):
        others = [a for a in get_args(hint) if a is not type(None)]
        return others[0] if len(others) == 1 else None
    return None


Convert = Callable[[Row, str, Any], Any]
"""Reads one field of a row: (row, JSON key, the field's type hint) → value."""
Read = Callable[[Row, str], Any]
"""Reads one field of a row by its JSON key, its type hint already resolved into the way to read it."""


def convert(row: Row, key: str, hint: Any) -> Any:
    """Field `key` of `row` as its type hint says (see `converter`)."""
    return _plain_converter(hint)(row, key)


def converter(hint: Any, nested: Mapping[type, Reader[Any]]) -> Read:
    """How to read a field of type `hint`, worked out once per record kind rather than once per value; records
    inside use the readers in `nested`, else plain ones.

    `X | None` allows null; `Decimal` and `date` are read from strings; `tuple[X, ...]` is a list; a record,
    `Mapping[str, X]` and `tuple[tuple[str, X], ...]` (entries in the object's order) are objects; `Any` is
    taken as it is (condition expressions).
    """
    if hint is Any:
        return Row.raw
    inner = _optional(hint)
    if inner is not None:
        read_inner = converter(inner, nested)
        return lambda row, key: None if row.raw(key) is None else read_inner(row, key)
    if hint is Decimal:
        return Row.decimal
    if hint is date:
        return Row.iso_date
    if _is_object(hint):
        read_object = _object_reader(hint, nested)
        return lambda row, key: read_object(row.child(key))
    if get_origin(hint) is tuple:
        item = get_args(hint)[0]
        if _is_object(item):
            read_item = _object_reader(item, nested)
            return lambda row, key: tuple(read_item(r) for r in row.items(key))
        if item in _LIST_OF:
            return partial(_list_of, item)
    elif hint in (str, int, bool):
        return lambda row, key: row.typed(key, hint)
    raise TypeError(f"no conversion for {hint!r}")


@cache
def _plain_converter(hint: Any) -> Read:
    return converter(hint, {})


def _list_of(item: type, row: Row, key: str) -> tuple[Any, ...]:
    values = row.typed(key, list)
    if not all(_is(v, item) for v in values):
        raise row.error(f"field {key!r} must be a list of {_LIST_OF[item]}")
    return tuple(values)


def _is_object(hint: Any) -> bool:
    origin = get_origin(hint)
    return is_dataclass(hint) or origin is Mapping or (origin is tuple and get_origin(get_args(hint)[0]) is tuple)


def _object_reader(hint: Any, nested: Mapping[type, Reader[Any]]) -> Callable[[Row], Any]:
    """Reads a whole object as a record, a `Mapping[str, X]` or `tuple[tuple[str, X], ...]`."""
    if is_dataclass(hint):
        return nested.get(cast(type, hint)) or _plain(cast(type, hint))
    value = get_args(get_args(hint)[0])[1] if get_origin(hint) is tuple else get_args(hint)[1]
    read_value = converter(value, nested)
    collect: Callable[[Iterable[tuple[str, Any]]], Any] = dict if get_origin(hint) is Mapping else tuple
    return lambda row: collect((name, read_value(row, name)) for name in row.data)


class Reader(Generic[R]):
    """Reads one record kind: every field from its camelCase key by its type hint, unless overridden.

    `overrides` map a field name to its own `Convert` where the JSON differs from the derived key or needs a
    special conversion; `nested` are the readers of records inside this one that have overrides of their own;
    `check` runs on the row before its fields are read.
    """

    def __init__(
        self,
        kind: type[R],
        *,
        nested: Iterable[Reader[Any]] = (),
        check: Callable[[Row], None] | None = None,
        **overrides: Convert,
    ) -> None:
        hints = get_type_hints(kind)
        names = [f.name for f in fields(kind)]
        if unknown := set(overrides) - set(names):
            raise TypeError(f"{kind.__name__} has no fields {sorted(unknown)}")
        self.kind = kind
        self.check = check
        self.nested: Mapping[type, Reader[Any]] = {r.kind: r for r in nested}
        self.fields = tuple(
            (name, json_key(name), converter(hints[name], self.nested) if name not in overrides
             else _overridden(overrides[name], hints[name]))
            for name in names
        )  # fmt: skip

    def __call__(self, row: Row) -> R:
        if self.check is not None:
            self.check(row)
        return self.kind(**{name: read(row, key) for name, key, read in self.fields})


def _overridden(read: Convert, hint: Any) -> Read:
    return lambda row, key: read(row, key, hint)


@cache
def _plain(kind: type[Any]) -> Reader[Any]:
    """The reader of a record kind without overrides."""
    return Reader(kind)


def within(parent: str, leaf: str, kind: Any = None) -> Convert:
    """A field kept one object down, at `parent.leaf` (read as `kind`, else as the field's own type).

    A null `parent` gives None for an optional field; for any other field `parent` must be an object.
    """

    def read(row: Row, key: str, hint: Any) -> Any:
        if _optional(hint) is not None and row.raw(parent) is None:
            return None
        return convert(row.child(parent), leaf, hint if kind is None else kind)

    return read


def pairs(first: str, second: str) -> Convert:
    """`tuple[tuple[A, B], ...]` from a list of objects with the fields `first` and `second`, in list order."""

    def read(row: Row, key: str, hint: Any) -> Any:
        inner = _optional(hint)
        if inner is not None and row.raw(key) is None:
            return None
        first_kind, second_kind = get_args(get_args(hint if inner is None else inner)[0])
        entries = [Row(row.file, row.path(key), item) for item in row.typed(key, list)]
        return tuple((convert(e, first, first_kind), convert(e, second, second_kind)) for e in entries)

    return read
