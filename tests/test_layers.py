"""The layer rule, held by parsing the code (no imports, nothing runs).

- A domain's `*schema.py` and `*types.py` translate GraphQL to service calls:
  they import no database code (`tortoise`, `api.db`, any `models` module),
  open no unit of work, catch no `DomainError` (`@mutation` does) and build
  no ORM query.
- A domain's other modules (services, queries, states, rules) import no
  `strawberry`: the CLI and the workers call them without GraphQL.
  `loaders.py` (dataloaders) belong to the GraphQL side.
- `api/graphql/http.py` imports no domain: `create_app` wires in who a token
  stands for and what may be cached.

Files not converted yet are listed in `NOT_YET`, each with the rules it still
breaks; the list may only shrink (a listed file that now keeps a rule fails
the test until its entry is removed).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "api"

# Packages of api/ that are not domains: the GraphQL layer and the shared kernel.
NOT_DOMAINS = frozenset({"graphql", "migrations", "static"})

# Calls that build or run an ORM query on a model class.
ORM_CALLS = frozenset(
    {
        "filter",
        "exclude",
        "get",
        "get_or_none",
        "get_or_create",
        "create",
        "bulk_create",
        "all",
        "first",
        "update_or_create",
        "select_for_update",
        "annotate",
        "values",
        "values_list",
        "raw",
    }
)

# Not converted yet: path -> rules it still breaks. Shrinks with each conversion.
NOT_YET: dict[str, set[str]] = {
    "api/accounts/recovery_schema.py": {"except-domain-error"},
    "api/accounts/schema.py": {"database-import", "except-domain-error", "orm-query"},
    "api/accounts/signin_schema.py": {
        "database-import",
        "except-domain-error",
        "unit-of-work",
        "orm-query",
    },
    "api/companies/members_schema.py": {"database-import", "except-domain-error", "orm-query"},
}


def _is_database_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "tortoise" or name == "api.db" or "models" in parts


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every import, `from api.x import models` as `api.x.models`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _catches_domain_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(
        (isinstance(n, ast.Name) and n.id == "DomainError")
        or (isinstance(n, ast.Attribute) and n.attr == "DomainError")
        for n in names
    )


def _model_names(tree: ast.AST) -> set[str]:
    """Names bound to model classes or modules by imports from a `models` module."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[-1] == "models":
                names |= {a.asname or a.name for a in node.names}
            else:
                names |= {a.asname or a.name for a in node.names if a.name == "models"}
        elif isinstance(node, ast.Import):
            names |= {a.asname or a.name for a in node.names if a.name.endswith(".models")}
    return names


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def schema_violations(source: str) -> dict[str, list[int]]:
    tree = ast.parse(source)
    found: dict[str, list[int]] = {}
    for line, module in _imports(tree):
        if _is_database_module(module):
            found.setdefault("database-import", []).append(line)
    models = _model_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type and _catches_domain_error(node):
            found.setdefault("except-domain-error", []).append(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "unit_of_work":
            found.setdefault("unit-of-work", []).append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "unit_of_work":
            found.setdefault("unit-of-work", []).append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ORM_CALLS
            and _root_name(node.func) in models
        ):
            found.setdefault("orm-query", []).append(node.lineno)
    return found


def service_violations(source: str) -> dict[str, list[int]]:
    imports = _imports(ast.parse(source))
    lines = sorted({line for line, module in imports if module.split(".")[0] == "strawberry"})
    return {"imports-strawberry": lines} if lines else {}


def http_violations(source: str) -> dict[str, list[int]]:
    lines = set()
    for line, module in _imports(ast.parse(source)):
        parts = module.split(".")
        if parts[0] == "api" and len(parts) > 1 and (API / parts[1]).is_dir():
            if parts[1] != "graphql":
                lines.add(line)
    return {"imports-a-domain": sorted(lines)} if lines else {}


def _domain_modules() -> list[Path]:
    return sorted(
        path
        for path in API.glob("*/*.py")
        if path.parent.name not in NOT_DOMAINS and (path.parent / "__init__.py").exists()
    )


def _check(path: Path) -> dict[str, list[int]]:
    source = path.read_text(encoding="utf-8")
    if path.name.endswith(("schema.py", "types.py")):
        return schema_violations(source)
    if path.name == "loaders.py":
        return {}
    return service_violations(source)


@pytest.mark.parametrize("path", _domain_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_modules_keep_their_layer(path):
    name = str(path.relative_to(ROOT))
    broken = _check(path)
    allowed = NOT_YET.get(name, set())
    new = {rule: lines for rule, lines in broken.items() if rule not in allowed}
    assert not new, f"{name} breaks the layer rule: {new}"
    kept = allowed - set(broken)
    assert not kept, f"{name} now keeps {sorted(kept)}: remove them from NOT_YET"


def test_the_http_endpoint_imports_no_domain():
    assert http_violations((API / "graphql" / "http.py").read_text(encoding="utf-8")) == {}


def test_not_yet_names_only_files_that_exist():
    assert all((ROOT / name).is_file() for name in NOT_YET)


def test_the_rules_catch_planted_violations():
    planted = """
from tortoise.expressions import Q
from api.db import unit_of_work
from api.catalog import models as m
from api.errors import DomainError

async def resolve(info):
    async with unit_of_work():
        rows = await m.Product.filter(Q(id=1)).values("id")
    try:
        pass
    except (ValueError, DomainError):
        pass
"""
    found = schema_violations(planted)
    assert set(found) == {"database-import", "except-domain-error", "unit-of-work", "orm-query"}
    assert set(found["orm-query"]) == {9}
    assert service_violations("import strawberry\n") == {"imports-strawberry": [1]}
    assert service_violations("from strawberry.types import Info\n") == {"imports-strawberry": [1]}
    assert http_violations("from api.catalog.cache import ResponseCache\n") == {
        "imports-a-domain": [1]
    }
    assert http_violations("from api.graphql.cache import ResponseCache\n") == {}
    # A clean resolver passes.
    clean = """
from api.support import queries, service
from api.graphql.mutations import mutation

async def resolve(info):
    return await service.close_inquiry(await info.context.actor(), 1)
"""
    assert schema_violations(clean) == {}
