"""The allowed imports of docs/architecture.md §5, checked on every module of the project
(imports inside functions included): the services stand side by side and read each other
only through their published read modules."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What another service may import of each service: its published read modules.
PUBLISHED = {
    "services.validator": ("services.validator.eventlog",),
    "services.projections": ("services.projections.queries", "services.projections.application",
                             "services.projections.as_of"),
    "services.notifier": ("services.notifier.queries", "services.notifier.ebox"),
}
PLUMBING = ("schemas", "services.common", "services.directory")
# Package -> the project modules it may import besides its own package (prefixes).
ALLOWED = {
    "schemas": (),
    "services": (),
    "services.common": ("schemas",),
    "services.directory": ("schemas", "services.common"),
    "services.validator": PLUMBING,
    "services.projections": PLUMBING + PUBLISHED["services.validator"]
    + PUBLISHED["services.notifier"],
    "services.notifier": PLUMBING + PUBLISHED["services.validator"],
    "services.intake": PLUMBING + PUBLISHED["services.validator"]
    + PUBLISHED["services.notifier"],
    "services.audit": PLUMBING + PUBLISHED["services.validator"],
    "services.sftp": PLUMBING,
    "services.api": PLUMBING + ("services.intake", "services.audit")
    + PUBLISHED["services.validator"] + PUBLISHED["services.projections"]
    + PUBLISHED["services.notifier"],
    "dimona": ("schemas", "services", "dimona"),
}
PROJECT = ("schemas", "services", "dimona")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The project modules a file imports, by their absolute names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in PROJECT}


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "services" and len(parts) > 1 else parts[0]


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(modules: dict[str, Path]) -> list[str]:
    found = []
    for module, path in modules.items():
        package = package_of(module)
        allowed = ALLOWED[package] + (package,)
        found += [f"{module} imports {name}" for name in sorted(imported(path))
                  if not within(name, allowed)]
    return found


def project_files() -> list[Path]:
    files = [p for top in ("schemas", "services", "dimona") for p in (ROOT / top).rglob("*.py")]
    assert len(files) > 50
    return files


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for p in project_files()}


def test_every_package_has_its_rule() -> None:
    packages = {package_of(module_name(p)) for p in project_files()}
    assert packages <= set(ALLOWED)


def test_services_import_each_other_only_as_written() -> None:
    assert violations(project_modules()) == []


def test_nothing_but_the_cli_imports_the_http_edge() -> None:
    importers = sorted(module_name(p) for p in project_files()
                       if any(within(n, ("services.api",)) for n in imported(p))
                       and package_of(module_name(p)) not in ("services.api", "dimona"))
    assert importers == []


def test_the_check_catches_a_forbidden_import(tmp_path) -> None:
    bad = tmp_path / "probe.py"
    bad.write_text("def f():\n    from services.projections.writer import RegisterWriter\n"
                   "from services.projections.queries import RegisterQueries\n")
    assert violations({"services.common.probe": bad}) == [
        "services.common.probe imports services.projections.queries.RegisterQueries",
        "services.common.probe imports services.projections.writer.RegisterWriter"]
    assert violations({"services.notifier.probe": bad}) == [
        "services.notifier.probe imports services.projections.queries.RegisterQueries",
        "services.notifier.probe imports services.projections.writer.RegisterWriter"]
