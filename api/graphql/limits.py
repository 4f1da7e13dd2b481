"""Query cost limit: a validation rule, so an expensive document never executes.

Cost = every selected field counts 1, multiplied by the page size of every
connection above it (`first`/`last`, or the default page when absent; a
variable counts as the maximum, since variables are not known at validation).
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from api.graphql.pagination import DEFAULT_PAGE, MAX_PAGE


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments: dict[str, FragmentDefinitionNode] = {
                d.name.value: d
                for d in context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
            cost = self._cost(node.selection_set, 1, set())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"Query cost {cost} exceeds the limit of {max_cost}.",
                        node,
                        extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "limit": max_cost},
                    )
                )

        def _cost(
            self, selection_set: SelectionSetNode | None, multiplier: int, seen: set[str]
        ) -> int:
            if selection_set is None:
                return 0
            total = 0
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    if selection.name.value.startswith("__"):
                        continue
                    total += multiplier
                    total += self._cost(
                        selection.selection_set, multiplier * _page_size(selection), seen
                    )
                elif isinstance(selection, InlineFragmentNode):
                    total += self._cost(selection.selection_set, multiplier, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name in seen or name not in self.fragments:
                        continue  # cycles and unknown fragments are other rules' business
                    total += self._cost(
                        self.fragments[name].selection_set, multiplier, seen | {name}
                    )
            return total

    return QueryCostRule


def _page_size(node: FieldNode) -> int:
    sizes = []
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last"):
            value = argument.value
            if isinstance(value, IntValueNode):
                sizes.append(max(1, min(int(value.value), MAX_PAGE)))
            else:
                sizes.append(MAX_PAGE)
    if sizes:
        return max(sizes)
    # A connection asked without paging arguments still returns a default page.
    selections = node.selection_set.selections if node.selection_set else ()
    if any(isinstance(s, FieldNode) and s.name.value in ("edges", "nodes") for s in selections):
        return DEFAULT_PAGE
    return 1
