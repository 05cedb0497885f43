"""`makemessages` that also finds the messages the code passes through its own helpers.

`tasks.views.batches._plural(singular, plural)` gives the upload page's script both forms of a
counted sentence; gettext's extractor knows only Django's own function names, so without this
keyword `make messages` marked those translations obsolete. (The consensus explanations,
translated through variables, are written out by `tasks.explanation_messages` instead.)
"""

from __future__ import annotations

from django.core.management.commands import makemessages

# Helpers that take a message id (and its plural) as literal arguments, in xgettext's notation.
HELPER_KEYWORDS = ("_plural:1,2",)


class Command(makemessages.Command):
    xgettext_options = [
        *makemessages.Command.xgettext_options,
        *(f"--keyword={keyword}" for keyword in HELPER_KEYWORDS),
    ]
