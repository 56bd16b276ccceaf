"""viewflow's own UI strings that our pages show (task status, process words).

viewflow ships an empty zh_Hans catalog (STACK.md); listing the msgids here keeps them in
the project catalog (locale/zh_Hans) when `makemessages` runs, where they are translated.
Nothing imports this module.
"""
from django.utils.translation import gettext_noop, pgettext_lazy

STATUS = [
    pgettext_lazy("STATUS", "New"), pgettext_lazy("STATUS", "Assigned"), pgettext_lazy("STATUS", "Started"),
    pgettext_lazy("STATUS", "Done"), pgettext_lazy("STATUS", "Canceled"), pgettext_lazy("STATUS", "Error"),
    pgettext_lazy("STATUS", "Revived"), pgettext_lazy("STATUS", "Scheduled"),
]

WORDS = [
    gettext_noop("Inbox"), gettext_noop("Queue"), gettext_noop("Archive"), gettext_noop("Process"),
    gettext_noop("Process list"), gettext_noop("Task"), gettext_noop("Tasks"), gettext_noop("Flow"),
    gettext_noop("Created"), gettext_noop("Assigned"), gettext_noop("Started"), gettext_noop("Finished"),
    gettext_noop("Execute"), gettext_noop("Assign"), gettext_noop("Unassign"), gettext_noop("Owner"),
    gettext_noop("Status"), gettext_noop("Type"), gettext_noop("Permission"), gettext_noop("Process brief"),
    gettext_noop("Active"), gettext_noop("Completed"), gettext_noop("Canceled"), gettext_noop("Token"),
    gettext_noop("Previous"), gettext_noop("External Task ID"), gettext_noop("Transition is not allowed"),
    gettext_noop("Page not found"), gettext_noop("Access Forbidden"), gettext_noop("No rights to execute"),
]
