"""The commands of the README and of every page in docs/, run as written: the REST walk-through
against a real server, the token CLI, the settings check, and every make target they name (the
benchmarks in their quick mode); every link between the pages resolves; the README stays short;
the generated configuration table is current."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import running_server

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README = "\n\n".join(p.read_text(encoding="utf-8") for p in PAGES)  # the README and every docs page


def sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, re.S)


def inline_commands(prefix: str) -> list[str]:
    return [c for c in re.findall(r"`([^`\n]+)`", README) if c.startswith(prefix)]


def test_the_rest_walk_through_runs_as_written(tmp_path: Path) -> None:
    [walk] = [b for b in sh_blocks() if b.startswith("API=")]
    start = re.search(r"`(STUDIO_SIM_JOB_SECONDS=\S+ STUDIO_SIM_THROUGHPUT_SECONDS=\S+) make run`", README)
    assert start, "the README says how to start the server for the walk-through"
    settings = dict(pair.split("=") for pair in start.group(1).split())
    data = tmp_path / "data"  # `make run`'s ./data, seen from the folder the script runs in
    with running_server(tmp_path / "server.log", {"STUDIO_DATA_DIR": str(data), **settings}) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")} | {"API": f"{url}/api"}
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", walk], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert '"StatusLight":"GREEN"' in done.stdout  # enabled after its throughput went InService
    assert '"Output":"Answer 17."' in done.stdout  # invoked: the simulation answers from its training data
    assert '"content":"Answer 3."' in done.stdout  # the same through the OpenAI-compatible route
    assert '"IdleGuardHours":6.0' in done.stdout and '"Kind":"throughput"' in done.stdout  # its guard, its idle
    assert '"Unread":2}' in done.stdout and '"Event":"throughput.in_service"' in done.stdout  # the bell
    assert '"Month":"' in done.stdout and '"Budget":null' in done.stdout
    assert done.stdout.rstrip().endswith("204")  # the DELETE of the model
    assert (tmp_path / "metrics.zip").stat().st_size > 0
    # the evaluation: trained on 10 of the 20 validation questions, so exact match 0.5 against 0.0
    assert '"Status":"Completed"' in done.stdout
    assert '"exact_match":{"Name":"Exact match","Custom":0.5,"Base":0.0' in done.stdout
    exported = (tmp_path / "evaluation.csv").read_text(encoding="utf-8").splitlines()
    assert len(exported) == 21 and exported[0].startswith("Record,Prompt,Reference")


def test_the_token_cli_runs_as_written(tmp_path: Path) -> None:
    commands = inline_commands("python -m services.tokens")
    assert {c.split()[3] for c in commands} == {"create", "list", "revoke"}
    env = {"PATH": os.environ["PATH"], "STUDIO_DATA_DIR": str(tmp_path)}
    token_id = ""
    for command in commands:
        args = command.split()[1:]
        args = [token_id if a == "<id>" else a for a in args]
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
        if args[2] == "create":
            token_id = done.stdout.split()[1]
            assert done.stdout.strip().splitlines()[-1].startswith("mst_")
    assert token_id


def test_the_settings_check_runs_as_written(tmp_path: Path) -> None:
    commands = sorted(set(inline_commands("python -m services.settings")))
    assert commands
    for command in commands:
        done = subprocess.run(
            [sys.executable, *command.split()[1:]],
            cwd=ROOT,
            env={"PATH": os.environ["PATH"], "STUDIO_DATA_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0 and "Settings OK" in done.stdout, (command, done.stderr)


def test_the_readme_is_short_and_links_every_docs_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for page in PAGES[1:]:
        assert f"(docs/{page.name}" in readme, f"the README does not link docs/{page.name}"


def test_every_link_between_the_pages_resolves() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            assert resolved.exists(), f"{page.name}: {target} does not exist"
            if anchor and resolved.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", resolved.read_text(encoding="utf-8"), re.M)
                slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
                assert anchor in slugs, f"{page.name}: no heading for #{anchor} in {resolved.name}"


def test_the_configuration_table_is_generated_from_the_settings() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    from generate import PAGE, generated  # type: ignore[import-not-found]

    text = PAGE.read_text(encoding="utf-8")
    assert "<!-- settings table:" in text
    assert generated(text) == text, "docs/configuration.md is stale: run make docs"


def make_targets() -> list[str]:
    targets = {m for block in sh_blocks() for m in re.findall(r"^make ([a-z-]+)", block, re.M)}
    targets |= {m for c in inline_commands("make ") for m in re.findall(r"^make ([a-z-]+)$", c)}
    return sorted(targets)


@pytest.mark.parametrize("target", make_targets())
def test_every_make_target_the_readme_names_exists(target: str) -> None:
    done = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_benchmarks_run_in_their_quick_mode() -> None:
    assert "bench-quick" in make_targets()
    done = subprocess.run(
        ["make", "bench-quick"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for figure in ("page run", "MB/s", "points per trace", "requests", "chart toggle"):
        assert figure in done.stdout, figure


def test_the_readme_links_every_source_of_the_data_rules() -> None:
    from services.datasets import specs
    from services.datasets.families import FAMILIES

    readme = (ROOT / "docs" / "data-checks.md").read_text()
    urls = {specs.PREP, specs.REQUIREMENTS, specs.CONVERSE_TOOLS}
    for family in FAMILIES:
        urls |= set(family.rules.sources.values()) | {family.limits_source}
    missing = sorted(u for u in urls if u not in readme)
    assert not missing, missing
