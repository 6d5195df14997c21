"""Page forms on Bootstrap 5 (issue 24): a Django form only reads its fields (Django's own messages, in Chinese);
the rules are the service's, the same function the API calls, whose BadInput goes back onto the field it names
(`PageForm.put_error`). templates/core/_field.html draws one control with its label and its error."""
from django import forms

from .errors import DomainError

CONTROL = "form-control form-control-sm"


class PageForm(forms.Form):
    """A form whose controls carry Bootstrap's classes and ids unique on a page with several of them (`key`)."""

    def __init__(self, *args, key="", **kwargs):
        super().__init__(*args, auto_id=f"id_%s{'_' + key if key else ''}", **kwargs)
        for f in self.fields.values():
            if not isinstance(f.widget, forms.HiddenInput):
                f.widget.attrs.setdefault("class", "form-select form-select-sm" if isinstance(f.widget, forms.Select)
                                          else CONTROL)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in [field] if field else []:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def put_error(self, exc: DomainError):
        """The service's refusal next to the field it names (or above the form when it names none of ours)."""
        field = exc.field if exc.field in self.fields and not isinstance(
            self.fields[exc.field].widget, forms.HiddenInput) else None
        self.add_error(field, exc.detail)
