"""A process-wide copy of the catalog for the Models page, kept current incrementally.

Every run asks the database only for the catalog revision (one small query). When it has
moved on, only the rows written since are fetched and patched in, so a change by anyone
costs the next run a few rows, not a rebuild of 10,000. Snapshots are immutable: a run
that holds one is never affected by another session refreshing the cache.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pandas as pd

from services.catalog.service import CatalogService, display_order
from services.domain.models import ModelView
from ui.components import models_frame


@dataclass(frozen=True)
class CatalogSnapshot:
    revision: int
    views: tuple[ModelView, ...]  # in display order
    frame: pd.DataFrame  # one row per view, same order, indexed by model id; never mutated


class CatalogCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: CatalogSnapshot | None = None

    def get(self, catalog: CatalogService) -> CatalogSnapshot:
        revision = catalog.revision()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.revision == revision:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.revision != revision:
                snapshot = self._refresh(catalog, snapshot)
                self._snapshot = snapshot
        return snapshot

    @staticmethod
    def _full(catalog: CatalogService) -> CatalogSnapshot:
        revision = catalog.revision()  # read first: a write in between is fetched again next time
        views = tuple(catalog.list_models())
        return CatalogSnapshot(revision=revision, views=views, frame=models_frame(views))

    def _refresh(self, catalog: CatalogService, old: CatalogSnapshot | None) -> CatalogSnapshot:
        if old is None:
            return self._full(catalog)
        changes = catalog.changes_since(old.revision)
        position = {v.id: i for i, v in enumerate(old.views)}
        new_ids = [v.id for v in changes.changed if v.id not in position]
        if len(old.views) + len(new_ids) != changes.total:
            return self._full(catalog)  # something was deleted: start again
        moved = [
            v
            for v in changes.changed
            if v.id in position and display_order(v) != display_order(old.views[position[v.id]])
        ]
        if new_ids or moved:
            by_id = {v.id: v for v in old.views} | {v.id: v for v in changes.changed}
            views = tuple(sorted(by_id.values(), key=display_order))
            return CatalogSnapshot(revision=changes.revision, views=views, frame=models_frame(views))
        # only rows that stay where they are: patch them into copies
        views_list = list(old.views)
        for view in changes.changed:
            views_list[position[view.id]] = view
        frame = old.frame.copy()
        if changes.changed:
            patch = models_frame(changes.changed)
            frame.loc[patch.index, patch.columns] = patch
        return CatalogSnapshot(revision=changes.revision, views=tuple(views_list), frame=frame)
