"""The /assessment/ page's write forms: 记录约谈 and 加减分. A form only reads the fields (Django's own messages, in
Chinese); every rule is the service's (services.record_interview, services.add_adjustment, the same functions the
API calls), whose BadInput is put back on the field it names (`put_error`)."""
from django import forms

from core.forms import PageForm


class InterviewForm(PageForm):
    """记录约谈 on a 待约谈 village: the month and village are the row's; date, who held it and a note are typed."""

    village = forms.CharField(widget=forms.HiddenInput)
    month = forms.CharField(widget=forms.HiddenInput)
    held_on = forms.DateField(label="约谈日期", widget=forms.DateInput(attrs={"type": "date"}))
    held_by = forms.CharField(label="约谈人", max_length=100)
    note = forms.CharField(label="记录", max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AdjustmentForm(PageForm):
    """加减分: a year-end adjustment of a village entered by hand (kind 其他)."""

    village = forms.ChoiceField(label="行政村")
    year = forms.IntegerField(label="年度")
    points = forms.DecimalField(label="分值", max_digits=6, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.01"}))
    reason = forms.CharField(label="理由", max_length=300)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", "请选择行政村"), *villages]
