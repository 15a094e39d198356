"""The busiest reads' answers kept per catalog revision (api/rendered.py)."""

from __future__ import annotations

from pydantic import BaseModel

from api.rendered import Rendered


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
