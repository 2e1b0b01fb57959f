"""Helpers for running the book's chapters as notebooks, in the book or on their own.

The chapters store their derived equations and numbers with myst-nb's ``glue``, and
the book's text shows them.  A reader who opens one chapter in Colab, or downloads
one ``.ipynb``, has no myst-nb and no book around it: there, :func:`glue` shows the
value in the notebook itself, so no result is hidden from that reader.
"""

from __future__ import annotations

import importlib.util

__all__ = ["glue", "GLUE_PREFIX"]


# The record myst-nb's glue writes and its build reads back (the scrapbook format):
# the value's display bundle under this prefix, and the name in the output's metadata.
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, variable, display: bool = True) -> None:
    """Store ``variable`` under ``name`` for the book, or show it where there is no book.

    Where myst-nb is installed (the book build, nbval, the README's environment)
    this writes exactly the output :func:`myst_nb.glue` writes: the value's
    display bundle, its MIME types prefixed with ``application/papermill.record/``
    unless ``display`` is true, and ``{"scrapbook": {"name": ..., "mime_prefix":
    ...}}`` in the output's metadata (tests/test_notebook_glue.py compares the
    two).  It writes it without importing myst-nb: ``myst_nb.glue`` imports
    nbformat, whose schema validator compiles grammars for about 3.5 s of CPU in
    every kernel, which every chapter and both nbval passes paid.

    Without myst-nb (a bare Colab kernel), a sympy object is displayed as math
    and any other value as ``name = value``, whatever ``display`` says, because
    the text that would have shown it is not rendered there.

    Parameters
    ----------
    name : str
        The key the book's ``{glue}`` roles and ``glue:math`` directives use.
    variable : object
        A sympy expression, a Python float or int, or any displayable object.
        Glue plain Python floats rounded to the resolution the text shows
        (numpy scalars warn in the build, and an unrounded float stores
        platform-dependent last digits).
    display : bool
        Also show the value in the cell's output.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If ``name`` is not an identifier-like key or ``display`` is not a bool.

    Examples
    --------
    >>> from kltools.notebook import glue
    >>> glue("answer", 0.5, display=False)  # doctest: +SKIP
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a glue key (letters, digits and _), got {name!r:.60}")
    if not isinstance(display, bool):
        raise ValueError(f"display must be True or False, got {display!r:.60}")
    if importlib.util.find_spec("myst_nb") is None:
        _show_plainly(name, variable)
        return
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipython_display

    bundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipython_display(
        {prefix + key: value for key, value in bundle.items()}, raw=True, metadata=metadata
    )


def _show_plainly(name: str, variable) -> None:
    try:
        from IPython.display import Math
        from IPython.display import display as ipython_display
    except ImportError:  # plain Python, not a notebook
        print(f"{name} = {variable}")
        return
    try:
        import sympy

        is_sympy = isinstance(variable, sympy.Basic)
    except ImportError:  # pragma: no cover - sympy is a dependency
        is_sympy = False
    if is_sympy:
        ipython_display(Math(sympy.latex(variable)))
    elif hasattr(variable, "_repr_latex_") or hasattr(variable, "_repr_html_"):
        ipython_display(variable)
    else:
        print(f"{name} = {variable}")
