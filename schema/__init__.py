"""The GraphQL types, each with its description.

These modules keep their annotations as objects (no `from __future__ import annotations`): strawberry would
otherwise parse and evaluate every annotation's text when the schema is made, a tenth of the start-up time."""
