"""An import-linter contract the built-in ones do not express: no import cycle between modules,
across the whole project (function-level imports included, as grimp sees them).

Two apps may use each other through distinct modules (pricing reads the missions' half-days
while the missions' allowance page reads pricing), which no layers contract can say; what is
never allowed is a circle of modules, where no module can be understood or loaded first.
Configured in ``pyproject.toml`` (``type = sans_cycle``), run by ``lint-imports`` in CI.
"""

from __future__ import annotations

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def composantes_cycliques(graphe: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    bas: dict[str, int] = {}
    pile: list[str] = []
    sur_pile: set[str] = set()
    composantes: list[list[str]] = []
    compteur = 0
    for depart in sorted(modules):
        if depart in index:
            continue
        travail = [(depart, iter(sorted(graphe.find_modules_directly_imported_by(depart))))]
        index[depart] = bas[depart] = compteur
        compteur += 1
        pile.append(depart)
        sur_pile.add(depart)
        while travail:
            module, suivants = travail[-1]
            avance = False
            for suivant in suivants:
                if suivant not in modules:
                    continue
                if suivant not in index:
                    index[suivant] = bas[suivant] = compteur
                    compteur += 1
                    pile.append(suivant)
                    sur_pile.add(suivant)
                    travail.append(
                        (suivant, iter(sorted(graphe.find_modules_directly_imported_by(suivant))))
                    )
                    avance = True
                    break
                if suivant in sur_pile:
                    bas[module] = min(bas[module], index[suivant])
            if avance:
                continue
            travail.pop()
            if travail:
                parent = travail[-1][0]
                bas[parent] = min(bas[parent], bas[module])
            if bas[module] == index[module]:
                composante = []
                while True:
                    membre = pile.pop()
                    sur_pile.discard(membre)
                    composante.append(membre)
                    if membre == module:
                        break
                if len(composante) > 1:
                    composantes.append(sorted(composante))
    return composantes


class SansCycle(Contract):
    """No two modules of ``packages`` import each other, directly or through others."""

    type_name = "sans_cycle"
    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        modules = {
            module
            for package in self.packages  # type: ignore[attr-defined]
            for module in graph.find_descendants(package) | {package}
        }
        cycles = composantes_cycliques(graph, modules)
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print(f"These {len(cycle)} modules import each other in a circle:")
            for module in cycle:
                output.print(f"- {module}")
            output.print(
                "Move what both need into a module below them (as tarification/deja_facture.py "
                "sits below the titres and the campaign), or pass values instead of importing."
            )
            output.new_line()
