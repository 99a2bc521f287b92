"""mypy plugin: ``.get("key")`` on a TypedDict that does not declare ``key`` is an error.

mypy accepts any key in a TypedDict's ``.get()`` (PEP 589 allows it for introspection) and
types the result ``object``. Checks read captures (``core/capture.py``) with ``.get()``
everywhere, so a misspelt or retired collector key would go unnoticed without this.
Loaded by ``[tool.mypy] plugins`` in pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.errorcodes import TYPEDDICT_ITEM
from mypy.nodes import StrExpr
from mypy.plugin import MethodContext, Plugin
from mypy.plugins.default import typed_dict_get_callback
from mypy.types import Type, TypedDictType, get_proper_type


def _checked_get(ctx: MethodContext) -> Type:
    typed = get_proper_type(ctx.type)
    if isinstance(typed, TypedDictType) and ctx.args and len(ctx.args[0]) == 1:
        key = ctx.args[0][0]
        if isinstance(key, StrExpr) and key.value not in typed.items:
            name = typed.fallback.type.name
            ctx.api.fail(f'TypedDict "{name}" has no key "{key.value}"', ctx.context,
                         code=TYPEDDICT_ITEM)
    # Then mypy's own typing of the result (this hook replaces the default one).
    return typed_dict_get_callback(ctx)


class TypedDictGetPlugin(Plugin):
    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return _checked_get if fullname == "typing.Mapping.get" else None


def plugin(version: str) -> type[Plugin]:
    return TypedDictGetPlugin
