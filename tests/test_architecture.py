"""The layering rule of DESIGN.md, enforced by reading the imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

UI_FORBIDDEN = (
    "boto3",
    "botocore",
    "sqlite3",
    "sqlalchemy",
    "psycopg",
    "openai",
    "alembic",
    "services.adapters",
)
ADAPTER_ONLY = ("boto3", "botocore", "sqlalchemy", "openai", "alembic", "psycopg")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in paths
        for name in sorted(imports(p))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_pages_and_ui_never_touch_aws_sql_or_adapters() -> None:
    files = [ROOT / "app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    assert len(files) >= 4
    assert offending(files, UI_FORBIDDEN) == []


def test_services_never_import_streamlit() -> None:
    files = list((ROOT / "services").rglob("*.py"))
    assert offending(files, ("streamlit",)) == []


def test_only_adapters_bootstrap_and_settings_reach_outside_systems() -> None:
    allowed = {ROOT / "services" / "bootstrap.py", ROOT / "services" / "settings.py"}
    files = [
        p
        for p in (ROOT / "services").rglob("*.py")
        if "adapters" not in p.parts and "migrations" not in p.parts and p not in allowed
    ]
    assert offending(files, ADAPTER_ONLY) == []


def test_every_page_is_routed_and_there_is_no_pages_folder() -> None:
    """See app.py: a folder named pages/ would put Streamlit in its legacy mode on a fresh process."""
    assert not (ROOT / "pages").exists()
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    pages = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "Page"]
    stems = {p.stem for p in (ROOT / "views").glob("*.py")}
    paths = []
    for call in pages:
        url = next((k.value.value for k in call.keywords if k.arg == "url_path"), None)
        assert isinstance(url, str), "every st.Page needs an explicit url_path"
        paths.append(url)
    assert len(paths) == len(stems)
    assert not set(paths) & stems


STATE_ENUMS = {"Status", "JobStatus", "ThroughputStatus"}


def state_comparisons(path: Path, root: Path = ROOT) -> list[str]:
    """Comparisons with a status, job or throughput state (``x is Status.GREEN``,
    ``y in (JobStatus.A, ...)``): deciding a model rule, which only services/actions.py may do."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for operand in operands:
            for sub in ast.walk(operand):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in STATE_ENUMS:
                    found.append(f"{path.relative_to(root)}:{node.lineno} compares with {sub.value.id}.{sub.attr}")
    return found


def test_pages_and_the_api_ask_the_rules_instead_of_deciding_them() -> None:
    files = [
        ROOT / "app.py",
        *(ROOT / "views").glob("*.py"),
        *(ROOT / "ui").glob("*.py"),
        *(ROOT / "api").rglob("*.py"),
    ]
    assert [hit for f in files for hit in state_comparisons(f)] == []


def test_the_rule_check_finds_a_decision(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("ok = view.status is Status.YELLOW or m.job_status in (JobStatus.FAILED,)\n")
    assert len(state_comparisons(page, tmp_path)) == 2
