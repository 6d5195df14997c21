"""The /operators/scores/ page's write form: 评分 of a service company for the month (scores.rate)."""
from django import forms

from core.forms import PageForm


class RatingForm(PageForm):
    """One company's score by the caller's town (乡) or village (村) for the page's month."""

    operator = forms.CharField(widget=forms.HiddenInput)
    month = forms.CharField(widget=forms.HiddenInput)
    score = forms.DecimalField(label="得分", max_digits=5, decimal_places=2,
                               widget=forms.NumberInput(attrs={"step": "0.01"}))
