"""docs/state-machines.md, generated from every `StateMachine` in the code.

`python -m api.audit.diagrams` (or `make state-diagrams`) rewrites the file; a test
fails while it differs from the code, so the diagrams a reader sees are the
transitions the services enforce. Machines are found by scanning api/ for
`StateMachine(` and importing those modules, so a new domain needs no list entry.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from api.audit.state_machine import MACHINES, StateMachine

API = Path(__file__).resolve().parents[1]
DOC = API.parent / "docs" / "state-machines.md"

HEADER = """# State machines

Generated from the code by `make state-diagrams` (`python -m api.audit.diagrams`);
`tests/test_state_machines.py` fails while this file differs from the code. Every
status change in torihiki goes through one of these tables: the change is a
conditional UPDATE (two racing requests cannot both win) and is recorded with who,
when and why (`status_transitions`). The first state is where a row starts; a state
with an arrow to `[*]` is final.
"""


def _modules() -> list[str]:
    found = []
    for path in sorted(API.rglob("*.py")):
        if "migrations" in path.parts or path.name == "state_machine.py":
            continue
        if "= StateMachine(" in path.read_text(encoding="utf-8"):
            found.append(".".join(path.relative_to(API.parent).with_suffix("").parts))
    return found


def machines() -> dict[str, tuple[str, StateMachine]]:
    """entity → (the module that defines it, the machine), in module order."""
    out: dict[str, tuple[str, StateMachine]] = {}
    for module in _modules():
        importlib.import_module(module)
        for entity, machine in MACHINES.items():
            if entity not in out and _defined_in(machine, module):
                out[entity] = (module, machine)
    return out


def _defined_in(machine: StateMachine, module: str) -> bool:
    namespace = vars(sys.modules[module])
    return any(value is machine for value in namespace.values())


def document() -> str:
    parts = [HEADER]
    for entity, (module, machine) in machines().items():
        parts.append(f"\n## {entity}\n\nDefined in `{module.replace('.', '/')}.py`.\n")
        parts.append(f"\n```mermaid\n{machine.mermaid()}```\n")
    return "".join(parts)


if __name__ == "__main__":
    DOC.write_text(document(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(API.parent)}")
