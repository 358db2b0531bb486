"""Query limits as validation rules built once per schema: depth, aliases, introspection (each error with a code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import NoSchemaIntrospectionCustomRule


@dataclass(frozen=True)
class QueryLimits:
    """Configurable bounds on one GraphQL request."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_keys: int = 100
    max_body_bytes: int = 256 * 1024


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: frozenset[str],
) -> int:
    """Levels of fields below `selection_set`; introspection fields do not count (GraphiQL needs them deep)."""
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in visiting:  # cycles are reported by NoFragmentCycles
                deepest = max(deepest, _depth(fragment.selection_set, fragments, visiting | {name}))
    return deepest


def depth_rule(max_depth: int) -> type[ValidationRule]:
    class QueryDepthRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                d.name.value: d for d in self.context.document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            depth = _depth(node.selection_set, fragments, frozenset())
            if depth > max_depth:
                name = f"Operation '{node.name.value}'" if node.name else "The operation"
                self.report_error(
                    GraphQLError(
                        f"{name} is {depth} levels deep; at most {max_depth} are allowed.",
                        node,
                        extensions={"code": "QUERY_TOO_DEEP", "limit": max_depth},
                    )
                )

    return QueryDepthRule


def alias_rule(max_aliases: int) -> type[ValidationRule]:
    class AliasCountRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.aliases = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.aliases += 1

        def leave_document(self, node: DocumentNode, *_: Any) -> None:
            if self.aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"The document uses {self.aliases} aliases; at most {max_aliases} are allowed.",
                        extensions={"code": "TOO_MANY_ALIASES", "limit": max_aliases},
                    )
                )

    return AliasCountRule


class IntrospectionDisabledRule(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule, with a code on its error."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                "Introspection is disabled on this server.",
                error.nodes,
                extensions={"code": "INTROSPECTION_DISABLED"},
            )
        )


def validation_rules(limits: QueryLimits, production: bool) -> tuple[type[ValidationRule], ...]:
    """The extra rules, built once so that validation results can be cached per document."""
    rules: list[type[ValidationRule]] = [depth_rule(limits.max_depth), alias_rule(limits.max_aliases)]
    if production:
        rules.append(IntrospectionDisabledRule)
    return tuple(rules)
