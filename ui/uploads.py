"""Files from st.file_uploader as the services take them (webserver/uploads.py does the work: on the
real server the guard keeps each upload on disk with its digest, and the widget's value only names it)."""

from __future__ import annotations

from typing import Any

from services.domain.uploads import Upload
from services.settings import Settings
from webserver.uploads import open_upload


def as_upload(uploaded: Any, settings: Settings) -> Upload:
    return open_upload(uploaded, settings.data_dir)
