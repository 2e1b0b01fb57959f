"""Bibliography labels in the same author-year form as the citations in the text.

The book cites with ``bibtex_reference_style: author_year``, so the text reads
"[Cover and Thomas, 2006]".  The bibliography's labels come from the pybtex
*formatting* style instead, and the default ("alpha") labels that entry
"[CT06]": a reader cannot match the two.  This registers the formatting style
``author_year_labels`` (pybtex's ``unsrt`` entries, sorted by author, year and
title) whose labels are built with sphinxcontrib-bibtex's own author-year
templates, so label and citation are the same text.  Selected in _config.yml
with ``bibtex_default_style: author_year_labels``.
"""

from __future__ import annotations

from collections import Counter
from string import ascii_lowercase
from types import SimpleNamespace

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.template import join, year

NAME = "author_year_labels"


class AuthorYearLabelStyle(BaseLabelStyle):
    """'Kingma and Welling, 2014', 'Blei et al., 2017'; 'a', 'b' appended to equal labels."""

    def format_labels(self, sorted_entries):
        person = PersonStyle()  # the same defaults as the author_year citations
        template = join(sep=", ")[person.author_or_editor_or_title(full=False), year]
        data = {"style": SimpleNamespace(person=person)}
        labels = [
            template.format_data({**data, "entry": e}).render_as("text") for e in sorted_entries
        ]
        total, seen = Counter(labels), Counter()
        for label in labels:
            if total[label] > 1:
                seen[label] += 1
                label = f"{label}{ascii_lowercase[seen[label] - 1]}"
            yield label


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.formatting", NAME, AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
