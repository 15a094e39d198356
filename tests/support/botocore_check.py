"""Every boto3 request the test suite makes is checked against botocore's own service model:
required members, enums, min/max (length, items, value) and **patterns**. botocore checks types
and required members client-side but leaves patterns, enums and max to the service, so moto and
the Stubber accept what Bedrock refuses. Installed for the whole suite by tests/conftest.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from botocore.client import BaseClient
from botocore.model import ListShape, MapShape, Shape, StructureShape


class InvalidForService(AssertionError):
    """A request the real service would refuse (its ValidationException), caught in the tests."""


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # Java-only syntax (\p{...}): not checked here
        return None


def problems(shape: Shape, value: Any, where: str) -> Iterator[str]:
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return
        for name in shape.required_members:
            if name not in value:
                yield f"{where}.{name}: required"
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                yield from problems(member, value[name], f"{where}.{name}")
        return
    if isinstance(shape, ListShape):
        if not isinstance(value, list | tuple):
            return
        yield from _bounds(meta, len(value), where, "items")
        for i, item in enumerate(value):
            yield from problems(shape.member, item, f"{where}[{i}]")
        return
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return
        yield from _bounds(meta, len(value), where, "entries")
        for key, item in value.items():
            yield from problems(shape.key, key, f"{where} key {key!r}")
            yield from problems(shape.value, item, f"{where}[{key!r}]")
        return
    if shape.type_name == "string" and isinstance(value, str):
        yield from _bounds(meta, len(value), where, "characters")
        if "enum" in meta and value not in meta["enum"]:
            yield f"{where}: {value!r} is not one of {meta['enum']}"
        pattern = _compiled(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):  # the service matches the whole value
            yield f"{where}: {value!r} does not match {meta['pattern']!r}"
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, int | float):
        if "min" in meta and value < meta["min"]:
            yield f"{where}: {value} is below {meta['min']}"
        if "max" in meta and value > meta["max"]:
            yield f"{where}: {value} is above {meta['max']}"


def _bounds(meta: dict[str, Any], size: int, where: str, unit: str) -> Iterator[str]:
    if "min" in meta and size < meta["min"]:
        yield f"{where}: {size} {unit}, at least {meta['min']}"
    if "max" in meta and size > meta["max"]:
        yield f"{where}: {size} {unit}, at most {meta['max']}"


def check(client: BaseClient, operation: str, params: dict[str, Any]) -> list[str]:
    model = client.meta.service_model.operation_model(operation)
    if model.input_shape is None:
        return []
    return list(problems(model.input_shape, params, f"{client.meta.service_model.service_name}.{operation}"))


_original = BaseClient._make_api_call


def _checked_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
    found = check(self, operation_name, api_params)
    if found:
        raise InvalidForService("; ".join(found))
    return _original(self, operation_name, api_params)


def install() -> None:
    BaseClient._make_api_call = _checked_call  # type: ignore[method-assign]


def uninstall() -> None:
    BaseClient._make_api_call = _original  # type: ignore[method-assign]
