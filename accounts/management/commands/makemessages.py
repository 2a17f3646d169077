"""``makemessages`` that also extracts ``_l("…")``: the project imports ``gettext_lazy as _l``
beside ``gettext as _``, and xgettext only knows Django's standard names."""

from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=_l"]
