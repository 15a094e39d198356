"""The layering rule of DESIGN.md, enforced by reading the imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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


def test_only_adapters_the_composition_root_and_settings_reach_outside_systems() -> None:
    allowed = {
        ROOT / "services" / "bootstrap.py",
        ROOT / "services" / "outside.py",
        ROOT / "services" / "settings" / "checks.py",
    }
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
    files = set()
    aliases = 0
    for call in pages:
        url = next((k.value for k in call.keywords if k.arg == "url_path"), None)
        assert url is not None, "every st.Page needs an explicit url_path"
        if isinstance(url, ast.Constant):
            paths.append(url.value)
        else:  # app.py's _alias: an old address of a page, given where the alias is made
            aliases += 1
        if call.args and isinstance(call.args[0], ast.Constant):
            files.add(Path(call.args[0].value).stem)
    made = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "_alias"]
    paths += [a.args[1].value for a in made if isinstance(a.args[1], ast.Constant)]
    assert aliases <= 1 and len(made) >= 1  # the one helper, used for each old address
    assert files == stems  # every view is routed (plus aliases such as /catalog, which are callables)
    assert len(set(paths)) == len(paths)  # one page per address (a page's own name is its address: /costs)


STATE_ENUMS = {"Status", "JobStatus", "ThroughputStatus"}


def state_comparisons(path: Path, root: Path = ROOT) -> list[str]:
    """Comparisons with a status, job or throughput state (``x is Status.GREEN``,
    ``y in (JobStatus.A, ...)``): deciding a model rule, which only services/domain/actions.py may do."""
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


# The areas of services/ and which areas each may import (besides itself). domain is the pure core
# (types and rules); ports are the interfaces adapters implement; bootstrap, settings, the token
# command and the background loop sit on top. docs/architecture.md draws the same picture.
AREAS: dict[str, set[str]] = {
    "domain": set(),
    "ports": {"domain"},
    "background": set(),
    "access": {"domain", "ports", "settings"},
    "catalog": {"domain", "ports", "access"},
    "datasets": {"domain"},
    "inference": {"domain", "ports", "access"},
    "notices": {"domain", "ports", "access", "background"},
    "customization": {"domain", "ports", "access", "datasets", "catalog", "notices", "background", "settings"},
    "evaluation": {"domain", "ports", "access", "datasets", "inference", "customization", "notices", "background"},
    "costs": {"domain", "ports", "access", "notices", "customization"},
    "serving": {"domain", "ports", "access", "customization"},
    "adapters": {"domain", "ports", "datasets", "evaluation", "notices"},
    "settings": {"domain", "costs"},
    "tokens": {"domain", "access", "bootstrap", "settings"},
    "bootstrap": {"*"},
    "outside": {"*"},
    "shared": {"*"},
}
# What adapters may use of the areas they may import: pure rules on data, never a service
ADAPTER_MAY_USE = ("services.evaluation.metrics", "services.notices.events", "services.datasets.")
LAYERS = {
    "views": 0, "app": 0, "ui": 1, "api": 1, "webserver": 1, "server": 0, "api_server": 0, "services": 2,
    "services.adapters": 3,
}  # fmt: skip


def layer_of(module: str) -> int | None:
    if module.startswith("services.adapters"):
        return LAYERS["services.adapters"]
    return LAYERS.get(module.split(".")[0])


def area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def project_files(root: Path = ROOT) -> list[Path]:
    files = [p for p in (root / "app.py", root / "server.py", root / "api_server.py") if p.exists()]
    for folder in ("views", "ui", "api", "webserver", "services"):
        files += [p for p in (root / folder).rglob("*.py") if "migrations" not in p.parts]
    return files


def test_the_import_graph_is_a_straight_line() -> None:
    """pages -> ui -> services -> adapters (api beside ui, the webserver below both): nothing imports a
    layer above its own, and ui and api never import each other (bootstrap, the composition root,
    may reach adapters)."""
    wrong = []
    for path in project_files():
        mine = module_name(path)
        here = layer_of(mine)
        assert here is not None, mine
        for name in imports(path):
            there = layer_of(name)
            if there is None:
                continue
            if there < here and not (here == 3 and there == 2):
                wrong.append(f"{mine} imports {name} (a layer above it)")
            if {mine.split(".")[0], name.split(".")[0]} == {"ui", "api"}:
                wrong.append(f"{mine} imports {name} (ui and api are siblings)")
            if mine.startswith("webserver") and name.split(".")[0] in ("ui", "api"):
                wrong.append(f"{mine} imports {name} (the webserver is below the pages and the API)")
            if here == 2 and there == 3 and mine not in ("services.bootstrap", "services.outside"):
                wrong.append(f"{mine} imports {name} (only the composition root picks adapters)")
    assert wrong == []


def area_violations(root: Path = ROOT) -> list[str]:
    """Each import between areas of services/ against AREAS (a module imports its own area freely)."""
    wrong = []
    for path in project_files(root):
        mine = (
            module_name(path.relative_to(root).as_posix() and path)
            if root == ROOT
            else ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        )
        area = area_of(mine)
        if area is None:
            continue
        allowed = AREAS.get(area)
        if allowed is None:
            wrong.append(f"{mine}: services/{area} is not an area of the house (add it to AREAS)")
            continue
        for name in imports(path):
            other = area_of(name)
            if other is None or other == area or "*" in allowed:
                continue
            if other not in allowed:
                wrong.append(f"{mine} imports {name} ({area} may import {', '.join(sorted(allowed)) or 'nothing'})")
            elif area == "adapters" and other not in ("domain", "ports") and not name.startswith(ADAPTER_MAY_USE):
                wrong.append(f"{mine} imports {name} (adapters use the domain, the ports and pure rules)")
    return wrong


def test_every_area_imports_only_the_areas_it_may() -> None:
    assert {p.name for p in (ROOT / "services").iterdir() if p.is_dir() and (p / "__init__.py").exists()} <= set(AREAS)
    assert area_violations() == []


def test_the_area_rule_finds_a_planted_violation(tmp_path: Path) -> None:
    domain = tmp_path / "services" / "domain"
    domain.mkdir(parents=True)
    (domain / "__init__.py").write_text("")
    (domain / "planted.py").write_text("from services.customization.submit import Submissions\n")
    (tmp_path / "services" / "ghost").mkdir()
    (tmp_path / "services" / "ghost" / "__init__.py").write_text("from services.domain import models\n")
    found = area_violations(tmp_path)
    assert any("services.domain.planted imports services.customization.submit" in f for f in found), found
    assert any("services/ghost is not an area" in f for f in found), found


def wide_classes(root: Path = ROOT) -> set[str]:
    """Classes in services/ with more than one base besides Protocol and object. A Protocol that joins
    ports is an interface, not a mixin; an exception caught as either of two kinds is not a service."""
    wide = set()
    for path in (root / "services").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names = [ast.unparse(b) for b in node.bases]
                if "Protocol" in names or path.name == "errors.py":
                    continue
                if len([n for n in names if n != "object"]) > 1:
                    wide.add(node.name)
    return wide


def test_no_service_class_has_more_than_one_base() -> None:
    """Composition, not mixins: a class in services/ has at most one base besides Protocol and object."""
    assert wide_classes() == set()


def test_the_base_rule_finds_a_mixin(tmp_path: Path) -> None:
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "planted.py").write_text("class Both(Submissions, ExternalModels):\n    pass\n")
    assert wide_classes(tmp_path) == {"Both"}


def test_there_is_no_import_cycle_between_modules() -> None:
    names = {module_name(p): p for p in project_files()}
    graph = {
        mine: {n for n in imports(path) if n in names and n != mine and not n.startswith(mine + ".")}
        for mine, path in names.items()
    }
    seen: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in seen:
                visit(nxt, [*trail, nxt])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [node])
    assert cycles == []


CHECKS = {"raises", "expect", "fail", "assert_no_pending_responses", "assert_frame_equal"}


def test_every_test_asserts_something() -> None:
    """A test that cannot fail is no test: each has an assert (or pytest.raises, or Playwright's expect)."""
    silent = []
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                inside = list(ast.walk(node))
                if not any(isinstance(n, ast.Assert) for n in inside) and not any(
                    isinstance(n, ast.Call) and getattr(n.func, "attr", getattr(n.func, "id", "")) in CHECKS
                    for n in inside
                ):
                    silent.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert silent == []


def test_no_file_is_over_400_lines() -> None:
    """A file a maintainer can hold in their head: none over 400 lines in the app's code."""
    long = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for folder in ("services", "api", "webserver", "ui", "views")
        for p in (ROOT / folder).rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert long == []


def test_unit_tests_mirror_the_areas() -> None:
    """tests/unit/<area>/ for each area of services/ (and webserver/): a test sits where its code lives."""
    folders = {p.name for p in (ROOT / "tests" / "unit").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set(AREAS) | {"webserver"}, folders - set(AREAS) - {"webserver"}
    loose = [p.name for p in (ROOT / "tests" / "unit").glob("test_*.py") if p.name != "test_architecture.py"]
    assert loose == [], f"put these under their area: {loose}"


def test_the_composition_root_only_wires() -> None:
    """services/bootstrap.py builds the services and hands each its adapters; about 150 lines at most."""
    lines = (ROOT / "services" / "bootstrap.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 150, f"services/bootstrap.py has {lines} lines; move what is not wiring to its area"
