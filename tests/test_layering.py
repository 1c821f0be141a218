"""The hub's layers, held against its source: no import cycles, and each layer imports
only what sits below it.

The import graph is built from the source with :mod:`ast` (every ``import`` and
``from ... import``, relative ones resolved, those under ``if TYPE_CHECKING:`` and inside
functions included), so a cycle cannot hide behind a deferred or a type-only import.

The layers, bottom up (see docs/architecture.md):

- the plugin API: ``hub`` (its ``__init__``), ``hub.types``, ``hub.hookspecs``,
  ``hub.ports`` (the interface of hub services), ``hub.context`` (``HookContext`` over
  that interface), ``hub.registration``, ``hub.settings`` and ``hub.webhooks``;
- the domain packages (``intake``, ``events``, ``messages``, ``reminders``, ``feed``) and
  what they use (``db``, ``schemas``, ``text``, ``security``...);
- ``hub.services`` (the interface implemented over the domain packages) and
  ``hub.runtime``;
- the entry points: ``hub.api``, ``hub.web``, ``hub.worker``, ``hub.scheduler``,
  ``hub.jobs``, ``hub.cli``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"
PLUGINS = ROOT / "plugins"

#: What a plugin imports: these import nothing of the database, the runtime, the
#: services' implementation or a domain package.
PLUGIN_API = {
    "hub",
    "hub._startup",  # imported first by hub/__init__: the standard library only
    "hub.types",
    "hub.hookspecs",
    "hub.ports",
    "hub.context",
    "hub.registration",
    "hub.settings",
    "hub.webhooks",
}
#: Never imported by the plugin API.
BELOW_FORBIDDEN = ("hub.db", "hub.runtime", "hub.services", "hub.plugins")
DOMAIN = ("hub.intake", "hub.events", "hub.messages", "hub.reminders", "hub.feed")
#: The entry points: no domain package reaches up into them.
ENTRY_POINTS = ("hub.api", "hub.web", "hub.worker", "hub.scheduler", "hub.jobs", "hub.cli")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(path: Path, module: str, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``path`` (module ``module``) imports, by any route.

    ``from a import b`` counts as importing ``a.b`` when that is a module, else ``a``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if _is_package(path) else module.rpartition(".")[0]
    found: set[str] = set()

    def nearest(name: str) -> str | None:
        while name:
            if name in known:
                return name
            name = name.rpartition(".")[0]
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = nearest(alias.name)
                if target:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                target = nearest(f"{source}.{alias.name}") or nearest(source)
                if target:
                    found.add(target)
    found.discard(module)
    return found


def import_graph(root: Path, top: str) -> dict[str, set[str]]:
    """``{module: modules it imports}`` for every ``.py`` file under ``root/top``."""
    files = {_module_name(p, root): p for p in sorted((root / top).rglob("*.py"))}
    known = set(files)
    return {name: imports_of(path, name, known) for name, path in files.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def _under(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


GRAPH = import_graph(ROOT, "hub")


# --- the checker itself -----------------------------------------------------------------


def test_the_graph_sees_relative_type_only_and_deferred_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import leaf\n")
    (pkg / "sub" / "leaf.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import top\n"
    )
    (pkg / "top.py").write_text("def f():\n    from .sub.leaf import x\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.sub"] == {"pkg.sub.leaf"}
    assert graph["pkg.sub.leaf"] == {"pkg.top"}
    assert graph["pkg.top"] == {"pkg.sub.leaf"}
    assert find_cycles(graph) == [["pkg.sub.leaf", "pkg.top"]]


def test_the_graph_covers_the_hub() -> None:
    assert "hub.context" in GRAPH and "hub.db.models" in GRAPH
    assert "hub.types" in GRAPH["hub"]


# --- the rules --------------------------------------------------------------------------


def test_no_import_cycles_among_hub_modules() -> None:
    cycles = find_cycles(GRAPH)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_import_cycles_among_hub_packages() -> None:
    """``hub.messages`` and ``hub.reminders`` (say) may depend one way, never both."""

    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    packages: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        packages.setdefault(package(module), set()).update(
            package(t) for t in targets if package(t) != package(module)
        )
    cycles = find_cycles(packages)
    assert not cycles, "package cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", sorted(PLUGIN_API))
def test_the_plugin_api_stands_on_nothing_of_the_implementation(module: str) -> None:
    wrong = sorted(m for m in GRAPH[module] if m not in PLUGIN_API)
    assert not wrong, f"{module} (plugin API) imports {wrong}"
    assert not any(_under(m, BELOW_FORBIDDEN + DOMAIN) for m in GRAPH[module])


def test_domain_packages_never_reach_up_into_entry_points_or_services() -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if _under(module, DOMAIN)
        for target in targets
        if _under(target, ENTRY_POINTS + ("hub.services",))
    )
    assert not wrong, "domain modules importing entry points or services:\n" + "\n".join(wrong)


def test_the_runtime_sits_below_the_domain_and_the_services_above() -> None:
    assert not any(_under(m, DOMAIN + ("hub.services",)) for m in GRAPH["hub.runtime"])
    assert {"hub.intake.write_back", "hub.messages.queue", "hub.reminders.answers"} <= GRAPH[
        "hub.services"
    ]
    users = sorted(m for m, targets in GRAPH.items() if "hub.services" in targets)
    assert all(_under(m, ("hub.app", "hub.cli", "hub.testing")) for m in users), users


def _plugin_packages() -> list[Path]:
    """The bundled plugins' packages and the test plugins' (``tests/fixtures/plugins``)."""
    found = [*PLUGINS.glob("*/hub_*"), *(ROOT / "tests" / "fixtures" / "plugins").glob("*/hub_*")]
    return sorted(p for p in found if (p / "__init__.py").exists())


def _plugin_imports() -> list[tuple[str, str, str]]:
    """``(plugin package, file, imported top module)`` for every plugin file."""
    out = []
    for package in _plugin_packages():
        for path in sorted(package.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                for name in names:
                    out.append((package.name, str(path.relative_to(ROOT)), name))
    return out


def test_bundled_plugins_import_only_hub_and_their_own_package() -> None:
    imports = _plugin_imports()
    assert imports, "no bundled plugin found"
    wrong = sorted(
        f"{file}: {name}"
        for package, file, name in imports
        if name.split(".")[0] in {"hub"} | {p.name for p in _plugin_packages()}
        and name != "hub"
        and name.split(".")[0] != package
    )
    assert not wrong, "plugins reaching into hub internals or another plugin:\n" + "\n".join(wrong)


def test_import_hub_loads_no_database_model_nor_runtime() -> None:
    code = (
        "import sys, hub\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('hub.db', 'hub.runtime',"
        " 'hub.services', 'hub.intake', 'hub.messages', 'hub.reminders', 'hub.events',"
        " 'sqlmodel')))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "", f"`import hub` loads {done.stdout.strip()}"


def _entry_point_names(package: Path) -> set[str]:
    """The plugin ids (``clinic_hub`` entry-point names) of the distribution of ``package``."""
    text = (package.parent / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project.entry-points.clinic_hub]", 1)
    if len(section) < 2:
        return set()
    names = set()
    for line in section[1].splitlines()[1:]:
        if line.startswith("["):
            break
        if "=" in line:
            names.add(line.split("=", 1)[0].strip().strip('"'))
    return names


def test_plugins_take_their_id_from_ctx_never_a_literal() -> None:
    """A plugin installed under another name must still build its URLs and feed types
    right: ``ctx.plugin`` is its id, so no string in its code starts a feed type
    (``<id>.``) or a path (``/<id>/``) with it."""
    wrong = []
    for package in _plugin_packages():
        ids = _entry_point_names(package)
        assert ids, f"{package.parent.name}: no clinic_hub entry point"
        for path in sorted(package.rglob("*.py")):
            if "migrations" in path.parts:  # Alembic branch labels are static by nature
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(
                    node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
                )
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            for node in ast.walk(tree):
                if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                    continue
                if id(node) in docstrings:
                    continue
                for plugin in ids:
                    text = node.value
                    if text.startswith(f"{plugin}.") or f"/{plugin}/" in text:
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}")
    assert not wrong, "use ctx.plugin instead of the plugin's id:\n" + "\n".join(wrong)
