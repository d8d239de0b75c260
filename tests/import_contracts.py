"""An import-linter contract type of our own: no import cycle among the project's modules.

import-linter's layers, independence and forbidden contracts keep the picture of docs/architecture.md; none
of them says "no two modules import each other, however indirectly". This one does: it finds the strongly
connected parts of the module graph (function-level imports included, as grimp records them) and names each
cycle, shortest path first. ``make lint`` runs it with the other contracts (pyproject.toml)."""

from __future__ import annotations

import grimp
from importlinter import Contract, ContractCheck, fields, output


class AcyclicModulesContract(Contract):
    """Options: ``modules``: the packages whose modules must not form a cycle."""

    type_name = "acyclic modules"
    modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        names = [name for name in graph.modules if any(name == top or name.startswith(top + ".")
                                                       for top in self.modules)]
        cycles = [self._cycle(graph, part) for part in _strongly_connected(graph, names) if len(part) > 1]
        return ContractCheck(kept=not cycles, metadata={"cycles": sorted(cycles)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(" -> ".join([*cycle, cycle[0]]), bold=False)
            output.new_line()

    @staticmethod
    def _cycle(graph: grimp.ImportGraph, part: set[str]) -> list[str]:
        """One shortest cycle through the part's first module, for the message."""
        start = min(part)
        for imported in sorted(graph.find_modules_directly_imported_by(start) & part):
            path = graph.find_shortest_chain(importer=imported, imported=start)
            if path:
                return [start, *path[:-1]]
        return sorted(part)


def _strongly_connected(graph: grimp.ImportGraph, names: list[str]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (a deep package would overflow Python's stack)."""
    wanted = set(names)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    parts: list[set[str]] = []
    counter = 0
    for root in sorted(wanted):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & wanted)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    part = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.add(member)
                        if member == node:
                            break
                    parts.append(part)
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & wanted))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return parts
