"""Files from st.file_uploader as the services take them: a stream and its size. On the real
server the guard (webserver/guard.py) keeps each upload on disk and the widget's value only names it;
the file is opened here, so an upload is never held whole in memory."""

from __future__ import annotations

from typing import Any

from services.customization import Upload
from services.domain.errors import InvalidRequest
from services.settings import Settings
from webserver.uploads import SPOOLED_TYPE, spooled_path


def as_upload(uploaded: Any, settings: Settings) -> Upload:
    if getattr(uploaded, "type", None) == SPOOLED_TYPE:
        path = spooled_path(settings.data_dir, bytes(uploaded.getvalue()).decode("ascii", "replace"))
        if path is None or not path.is_file():
            raise InvalidRequest(f"{uploaded.name}: the upload is gone (the server restarted?); upload it again.")
        stream = path.open("rb")
        return Upload(name=uploaded.name, stream=stream, size=path.stat().st_size)
    return Upload(name=uploaded.name, stream=uploaded, size=uploaded.size)
