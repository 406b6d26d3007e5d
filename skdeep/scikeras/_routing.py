"""scikeras's double-underscore routing, as plain functions.

``route(params, "fit")`` picks ``fit__*`` entries; :func:`instantiate` turns a
class (or a list / dict of them) plus its routed arguments into objects, so
``optimizer=keras.optimizers.SGD, optimizer__learning_rate=0.1`` or
``callbacks={"stop": EarlyStopping}, callbacks__stop__patience=2`` work as in
scikeras. skdeep's own estimators route only one level deep (see
:mod:`skdeep._params`); this module adds the nested forms scikeras users write.
"""

from __future__ import annotations

import inspect
from typing import Any, Iterable


def route(params: dict[str, Any], destination: str, keep: Iterable[str] | None = (),
          strict: bool = False) -> dict[str, Any]:
    """``destination__x`` entries of ``params`` as ``{x: value}``, plus the plain keys in ``keep``.

    ``keep=None`` keeps every plain key. With ``strict``, entries routed further
    (``destination__x__y``) are left out.

    Examples
    --------
    >>> route({"fit__shuffle": False, "epochs": 3, "fit__a__b": 1}, "fit", keep={"epochs"}, strict=True)
    {'epochs': 3, 'shuffle': False}
    """
    head = destination + "__"
    out = {k: v for k, v in params.items() if "__" not in k and (keep is None or k in keep)}
    for key, value in params.items():
        if key.startswith(head) and not (strict and "__" in key[len(head):]):
            out[key[len(head):]] = value
    return out


def accepts(fn, name: str) -> bool:
    """Whether ``fn`` takes an argument called ``name`` (or any keyword via ``**kwargs``)."""
    params = inspect.signature(fn).parameters.values()
    return any(p.kind is p.VAR_KEYWORD for p in params) or any(
        p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in params)


def instantiate(item, params: dict[str, Any], shared: dict[str, Any] | None = None):
    """Build ``item`` with its routed ``params``: a class is called, lists and dicts recurse.

    ``params`` are this item's entries with its prefix removed (``{"learning_rate": 0.1}``,
    ``{"0__patience": 2}``); plain entries apply to every element of a list or dict,
    numbered entries (``"0"``, ``"1"``) are positional arguments of a class.

    Examples
    --------
    >>> instantiate(dict, {"a": 1})
    {'a': 1}
    >>> instantiate([dict, dict], {"a": 1, "1__b": 2})
    [{'a': 1}, {'a': 1, 'b': 2}]
    """
    plain = {k: v for k, v in params.items() if "__" not in k}
    if inspect.isclass(item):
        args = {**(shared or {}), **plain}
        args = {k: instantiate(v, route(params, k, keep=())) for k, v in args.items()}
        positional = [v for k, v in sorted((int(k), v) for k, v in args.items() if k.isdigit())]
        return item(*positional, **{k: v for k, v in args.items() if not k.isdigit()})
    if isinstance(item, (list, tuple)):
        return type(item)(instantiate(v, route(params, str(i), keep=()), plain) for i, v in enumerate(item))
    if isinstance(item, dict):
        return {k: instantiate(v, route(params, str(k), keep=()), plain) for k, v in item.items()}
    extra = {**(shared or {}), **plain}
    if extra:
        raise TypeError(f"{item!r} of type {type(item).__name__} does not accept parameters because it's "
                        f"not a class. However, it received parameters {extra}.")
    return item
