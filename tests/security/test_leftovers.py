"""What a crash leaves behind on disk is cleaned at the next start (16); the start-up refuses
header sign-in that would trust a groups header nobody named (1)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from services.bootstrap import build_services
from services.settings import load_settings
from tests.support.crash_worker import crash
from tests.support.servers import ROOT


def test_a_half_written_upload_of_a_killed_process_is_removed_at_the_next_start(tmp_path: Path) -> None:
    crash(tmp_path, "during-upload")  # SIGKILL while the training data is being written
    left = list((tmp_path / "s3").rglob(".upload-*"))
    assert len(left) == 1 and left[0].stat().st_size >= 8 * 1024 * 1024
    an_hour_ago = time.time() - 3600
    os.utime(left[0], (an_hour_ago, an_hour_ago))  # the restart comes later
    fresh = left[0].with_name(".upload-live")  # another process's upload in progress right now
    fresh.write_bytes(b"x")
    build_services(load_settings(data_dir=tmp_path))
    assert not left[0].exists()
    assert fresh.exists()


def test_start_up_refuses_an_admin_group_without_a_named_groups_header(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")} | {
        "STUDIO_DATA_DIR": str(tmp_path),
        "STUDIO_TRUSTED_USER_HEADER": "X-Forwarded-Email",
        "STUDIO_ADMIN_GROUP": "studio-admins",
    }
    refused = subprocess.run(
        [sys.executable, "-m", "services.settings", "--address", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "STUDIO_TRUSTED_GROUPS_HEADER" in refused.stderr
    named = subprocess.run(
        [sys.executable, "-m", "services.settings", "--address", "127.0.0.1"],
        cwd=ROOT,
        env=env | {"STUDIO_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups"},
        capture_output=True,
        text=True,
    )
    assert named.returncode == 0, named.stderr


def test_a_sign_in_header_sent_twice_is_refused(tmp_path: Path) -> None:
    """A proxy that appends instead of overwriting lets the client's own header through: the page
    refuses to sign anyone in rather than pick one."""
    from tests.security.conftest import serving, streamlit_session

    with serving(
        tmp_path,
        STUDIO_TRUSTED_USER_HEADER="X-Forwarded-Email",
        STUDIO_TRUSTED_GROUPS_HEADER="X-Forwarded-Groups",
        STUDIO_ADMIN_GROUP="studio-admins",
    ) as target:
        for headers, says in (
            ([("X-Forwarded-Email", "alice@example.com"), ("X-Forwarded-Email", "admin@example.com")], b"sent 2 times"),
            (
                [
                    ("X-Forwarded-Email", "alice@example.com"),
                    ("X-Forwarded-Groups", "studio-admins"),
                    ("X-Forwarded-Groups", "users"),
                ],
                b"sent 2 times",
            ),
            ([("X-Forwarded-Email", "alice@example.com")], b"(member)"),  # control: signed in
        ):
            received: list[bytes] = []
            with streamlit_session(target.url, headers, received):
                deadline = time.monotonic() + 30
                while says not in b"".join(received) and time.monotonic() < deadline:
                    time.sleep(0.1)
            assert says in b"".join(received), headers
            if says == b"sent 2 times":
                assert b"(member)" not in b"".join(received) and b"(admin)" not in b"".join(received)
