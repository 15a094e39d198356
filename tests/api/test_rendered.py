"""The busiest reads' answers kept per catalog revision (api/rendered.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.rendered import Rendered
from api.schemas import ModelList, model_out
from services.domain.models import ModelFilter, Status
from tests.support.fakes import World


class Answer(BaseModel):
    N: int


def test_an_answer_is_rendered_once_per_revision_and_never_kept_under_another() -> None:
    renders: list[int] = []

    def render(n: int):  # type: ignore[no-untyped-def]
        return lambda: renders.append(n) or Answer(N=n)

    rendered = Rendered()
    assert rendered.json(5, "k", render(1)).body == b'{"N":1}'
    assert rendered.json(5, "k", render(2)).body == b'{"N":1}' and renders == [1]  # kept
    assert rendered.json(6, "k", render(3)).body == b'{"N":3}'  # the revision moved: rendered again
    assert rendered.json(5, "k", render(4)).body == b'{"N":4}'  # a reader of an older revision renders its own
    assert rendered.json(6, "k", render(5)).body == b'{"N":3}' and renders == [1, 3, 4]  # and it was not kept


class Item(BaseModel):
    Name: str


def test_a_listing_is_joined_from_each_items_json_rendered_again_only_for_a_new_object() -> None:
    outs: list[str] = []

    def out(name: str) -> Item:
        outs.append(name)
        return Item(Name=name)

    rendered = Rendered()
    a, b = "a" * 3, "".join(["b", "b"])  # distinct objects, as a catalog's views are
    first = rendered.listing(1, "k", "Items", lambda: [(1, a), (2, b)], out).body
    assert first == b'{"Items":[{"Name":"aaa"},{"Name":"bb"}]}' and outs == ["aaa", "bb"]
    new_b = "".join(["c", "c"])  # the write to item 2 made a new object: only it is rendered again
    assert rendered.listing(2, "k", "Items", lambda: [(1, a), (2, new_b)], out).body == (
        b'{"Items":[{"Name":"aaa"},{"Name":"cc"}]}'
    )
    assert outs == ["aaa", "bb", "cc"]
    assert rendered.listing(3, "k", "Items", lambda: [], out).body == b'{"Items":[]}'


def test_get_models_gives_the_bytes_the_whole_list_would_render_to_before_and_after_a_write(
    client: TestClient, w: World
) -> None:
    def whole(query: dict[str, str]) -> bytes:
        flt = ModelFilter(
            search=query.get("search", ""), statuses=frozenset(Status(s) for s in query.get("status", "").split() if s)
        )
        return ModelList(Models=[model_out(v) for v in w.services.catalog.list_models(flt)]).model_dump_json().encode()

    for query in ({}, {"search": "gpt"}, {"status": "GREEN"}):
        assert client.get("/models", params=query).content == whole(query)
    assert client.post("/models/openai:gpt-4o/enable").status_code == 200
    for query in ({}, {"search": "gpt"}, {"status": "GREEN"}):
        answer = client.get("/models", params=query).content
        assert answer == whole(query)
    assert b'"Id":"openai:gpt-4o"' in client.get("/models", params={"status": "GREEN"}).content
