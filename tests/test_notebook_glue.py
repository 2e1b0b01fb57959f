"""kltools.notebook.glue writes what myst-nb's glue writes, and degrades without myst-nb."""

import sympy as sp
from IPython.display import Math

import kltools.notebook as kn


def published(monkeypatch, module, attribute, call):
    calls = []
    monkeypatch.setattr(module, attribute, lambda *a, **k: calls.append((a, k)))
    call()
    return calls


VALUES = [0.5, 3, "text", sp.log(sp.Symbol("sigma", positive=True)) / 2, Math(r"\frac{1}{2}")]


def test_same_record_as_myst_nb(monkeypatch):
    import IPython.display
    import myst_nb.ext.glue as mg

    for value in VALUES:
        for display in (False, True):
            theirs = published(
                monkeypatch, mg, "ipy_display", lambda: mg.glue("x", value, display=display)
            )
            ours = published(
                monkeypatch,
                IPython.display,
                "display",
                lambda: kn.glue("x", value, display=display),
            )
            assert ours == theirs, (value, display)
            (bundle,), kwargs = ours[0]
            assert kwargs["metadata"]["scrapbook"] == {
                "name": "x",
                "mime_prefix": "" if display else kn.GLUE_PREFIX,
            }
            assert all(key.startswith(kn.GLUE_PREFIX) != display for key in bundle)


def test_without_myst_nb_the_value_is_shown(monkeypatch, capsys):
    import IPython.display

    monkeypatch.setattr(kn.importlib.util, "find_spec", lambda name: None)
    shown = published(
        monkeypatch,
        IPython.display,
        "display",
        lambda: kn.glue("eq", sp.Symbol("x") + 1, display=False),
    )
    assert isinstance(shown[0][0][0], Math) and shown[0][0][0].data == "x + 1"
    kn.glue("kl", 0.25, display=False)
    assert capsys.readouterr().out == "kl = 0.25\n"
