"""Query limits as validation rules built once per schema: depth, repeated fields, aliases, introspection (each error
with a code)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import NoSchemaIntrospectionCustomRule, specified_rules

from calculation.echo import cut
from config import QueryLimits

Path = tuple[str, ...]
"""Response names from a selection set down to a field."""


@dataclass(frozen=True)
class _Shape:
    """What the limits need to know of a selection set, its fragments expanded."""

    depth: int
    """Levels of fields below it; introspection fields do not count (GraphiQL needs them deep)."""
    paths: Counter[Path]
    """How many fields answer at each response path below it (through fragments and repeated parents included):
    all of them are compared pairwise to check that they can be merged."""


class _ShapeWalk:
    """Computes the shape of an operation, each fragment once: linear in the document's size (times its depth)
    even when fragments spread one another many times over (each such doubling would otherwise double the work)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.known: dict[str, _Shape] = {}
        self.visiting: set[str] = set()

    def shape(self, selection_set: SelectionSetNode | None) -> _Shape:
        depth, paths = 0, Counter[Path]()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                below = self.shape(selection.selection_set)
                name = (selection.alias or selection.name).value
                paths[(name,)] += 1
                paths.update({(name, *path): count for path, count in below.paths.items()})
                if not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + below.depth)
                continue
            if isinstance(selection, InlineFragmentNode):
                part = self.shape(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                part = self.fragment(selection.name.value)
            else:
                continue
            depth = max(depth, part.depth)
            paths.update(part.paths)
        return _Shape(depth, paths)

    def fragment(self, name: str) -> _Shape:
        if name in self.known:
            return self.known[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:  # unknown fragments and cycles are reported by other rules
            return _Shape(0, Counter())
        self.visiting.add(name)
        self.known[name] = self.shape(definition.selection_set)
        self.visiting.discard(name)
        return self.known[name]


@dataclass(frozen=True)
class _Written:
    """What the document says in so many words, each fragment counted once as written."""

    aliases: int
    directives: int
    most_directives: int
    """The most directives on one field, fragment, variable or operation."""


def _written(document: DocumentNode) -> _Written:
    aliases = directives = most = 0
    pending: list[Node] = []
    for definition in document.definitions:
        if isinstance(definition, ExecutableDefinitionNode):
            pending += [definition, *(definition.variable_definitions or ())]
    while pending:
        node = pending.pop()
        count = len(getattr(node, "directives", None) or ())
        directives += count
        most = max(most, count)
        if isinstance(node, FieldNode) and node.alias is not None:
            aliases += 1
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            pending += selection_set.selections
    return _Written(aliases, directives, most)


def check_limits(document: DocumentNode, limits: QueryLimits) -> list[GraphQLError]:
    """The limits' errors, found in time linear in the document's size. Checked before the specification's
    rules: checking that same-named fields merge compares every pair of them, quadratic in their number."""
    written = _written(document)
    # checked first and alone: every directive written is validated (known, allowed here, not repeated), so their
    # number decides the validation's work and the number of its errors
    if written.most_directives > limits.max_field_directives:
        return [GraphQLError(
            f"A field, fragment or operation carries {written.most_directives} directives; at most "
            f"{limits.max_field_directives} are allowed on one.",
            extensions={"code": "TOO_MANY_DIRECTIVES", "limit": limits.max_field_directives},
        )]  # fmt: skip
    if written.directives > limits.max_directives:
        return [GraphQLError(
            f"The document uses {written.directives} directives; at most {limits.max_directives} are allowed.",
            extensions={"code": "TOO_MANY_DIRECTIVES", "limit": limits.max_directives},
        )]  # fmt: skip
    errors = []
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        shape = _ShapeWalk(fragments).shape(operation.selection_set)
        name = f"Operation '{operation.name.value}'" if operation.name else "The operation"
        if shape.depth > limits.max_depth:
            errors.append(
                GraphQLError(
                    f"{name} is {shape.depth} levels deep; at most {limits.max_depth} are allowed.",
                    operation,
                    extensions={"code": "QUERY_TOO_DEEP", "limit": limits.max_depth},
                )
            )
        if shape.paths:
            path, repeats = shape.paths.most_common(1)[0]
            if repeats > limits.max_field_repeats:
                errors.append(
                    GraphQLError(
                        f"{name} selects {cut('.'.join(path))} {repeats} times; at most {limits.max_field_repeats} "
                        "are allowed.",
                        operation,
                        extensions={"code": "TOO_MANY_FIELD_REPEATS", "limit": limits.max_field_repeats},
                    )
                )
    if written.aliases > limits.max_aliases:
        errors.append(
            GraphQLError(
                f"The document uses {written.aliases} aliases; at most {limits.max_aliases} are allowed.",
                extensions={"code": "TOO_MANY_ALIASES", "limit": limits.max_aliases},
            )
        )
    return errors


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


def schema_rules(production: bool) -> tuple[type[ASTValidationRule], ...]:
    """The specification's rules, and in production no introspection."""
    return (*specified_rules, IntrospectionDisabledRule) if production else tuple(specified_rules)
