"""Forms to log activities and add tasks. Date-times are entered in the user's time zone
(activated by the middleware) and stored in UTC."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _l

from crm.models import Activity
from crm.services.activities import LOGGABLE

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_INPUT, **kwargs)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_l("type"), choices=[(k.value, k.label) for k in LOGGABLE])
    subject = forms.CharField(label=_l("subject"), max_length=200)
    body = forms.CharField(
        label=_l("details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # No "now" as the initial value: the unbound form is then the same for every page and can
    # be cached (crm/partials/activity_panel.html); the service takes an empty time as now.
    occurred_at = forms.DateTimeField(
        label=_l("when"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_l("Leave empty for now."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "activity")
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = Activity.Kind.CALL


class TaskForm(forms.Form):
    subject = forms.CharField(label=_l("task"), max_length=200)
    due_at = forms.DateTimeField(label=_l("due"), widget=DateTimeLocalInput())
    assignee = forms.ChoiceField(label=_l("assigned to"), required=False)
    remind_at = forms.DateTimeField(
        label=_l("remind at"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_l("An email is sent then."),
    )
    body = forms.CharField(
        label=_l("details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, members: list[Any], user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "task")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            (str(m.pk), m.get_full_name() or m.email) for m in members
        ]
        self.fields["assignee"].initial = str(user.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        due, remind = data.get("due_at"), data.get("remind_at")
        if due and remind and remind > due:
            self.add_error("remind_at", _l("The reminder should be before the due date."))
        return data
