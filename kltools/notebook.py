"""Helpers for running the book's chapters as notebooks, in the book or on their own.

The chapters store their derived equations and numbers with myst-nb's ``glue``, and
the book's text shows them.  A reader who opens one chapter in Colab, or downloads
one ``.ipynb``, has no myst-nb and no book around it: there, :func:`glue` shows the
value in the notebook itself, so no result is hidden from that reader.
"""

from __future__ import annotations

__all__ = ["glue"]


def glue(name: str, variable, display: bool = True) -> None:
    """Store ``variable`` under ``name`` for the book, or show it where there is no book.

    With myst-nb installed (the book build, nbval, the README's environment), this
    is :func:`myst_nb.glue` itself.  Without it (a bare Colab kernel), a sympy
    object is displayed as math and any other value as ``name = value``,
    whatever ``display`` says, because the text that would have shown it is
    not rendered there.

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
        Passed to myst-nb: also show the value in the cell's output.

    Returns
    -------
    None

    Examples
    --------
    >>> from kltools.notebook import glue
    >>> glue("answer", 0.5, display=False)  # doctest: +SKIP
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        myst_glue = None
    if myst_glue is not None:
        myst_glue(name, variable, display=display)
        return
    _show_plainly(name, variable)


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
