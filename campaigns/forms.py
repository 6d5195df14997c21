"""Page forms of campaigns and tasks. They only read the browser's input (dates, numbers, choices, in Chinese);
every rule is checked by campaigns.services, whose BadInput the page shows next to the field it names."""
from django import forms
from django.utils import timezone

from geo import scope
from geo.models import District, Town, Village
from patrol.models import Category

from .models import PhaseKind, TaskLevel

QUOTA_ROWS = 3  # empty quota rows a new campaign's form offers (more after saving, on the edit page)


class DateInput(forms.DateInput):
    input_type = "date"


def _date(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput(format="%Y-%m-%d"))


def _categories(label, required):
    return forms.MultipleChoiceField(
        label=label, required=required, choices=[(c.code, c.name) for c in Category.objects.order_by("sort", "code")],
        widget=forms.SelectMultiple(attrs={"size": 6}))


# Django's own field errors, in Chinese whatever language the browser asks for (LocaleMiddleware would answer an
# English browser in English; the interface is Chinese).
MESSAGES = {
    "required": "请填写此项",
    "max_length": "最多 %(limit_value)d 个字",
    "min_value": "不能小于 %(limit_value)s",
    "max_value": "不能大于 %(limit_value)s",
    "invalid_choice": "请从列表中选择",
    "invalid_list": "请从列表中选择",
    "step_size": "数值不符合要求",
}
INVALID = {forms.DateField: "请填写有效日期（年-月-日）", forms.IntegerField: "请填写整数",
           forms.FloatField: "请填写数字"}


class Styled:
    """Bootstrap classes on the widgets, Chinese errors, and is-invalid on a field with an error (Django's or a
    service's)."""

    def style(self):
        for field in self.fields.values():
            field.error_messages.update(MESSAGES)
            for kind, message in INVALID.items():
                if isinstance(field, kind):
                    field.error_messages["invalid"] = message
            if isinstance(field, forms.MultipleChoiceField):
                field.error_messages["required"] = "请至少选择一项"
            w = field.widget
            if isinstance(w, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                cls = "form-check-input"
            elif isinstance(w, forms.Select):
                cls = "form-select"
            else:
                cls = "form-control"
            w.attrs["class"] = cls

    def _mark(self):
        for name in self.errors:
            if name in self.fields and "is-invalid" not in self.fields[name].widget.attrs.get("class", ""):
                self.fields[name].widget.attrs["class"] = self.fields[name].widget.attrs.get("class", "") + \
                    " is-invalid"

    def full_clean(self):
        super().full_clean()
        self._mark()

    def add_error(self, field, error):
        super().add_error(field, error)
        if hasattr(self, "cleaned_data"):
            self._mark()


def area_choices(user):
    """The district and towns a campaign of this user may cover (a campaign's areas are district or town codes)."""
    area = scope.of(user)
    out = [(d.code, f"{d.name}（全区）") for d in District.objects.filter(scope.code_q(area)).order_by("code")]
    out += [(t.code, t.name) for t in Town.objects.filter(scope.code_q(area)).order_by("code")]
    return out


class CampaignForm(Styled, forms.Form):
    """Name, areas, dates, categories, the three phases (名称, 开始, 结束 each) and quota rows (指标N 名称, 问题类别,
    每村每周至少). Once the campaign has started, only the name and the quotas stay editable (services.AFTER_START)."""

    name = forms.CharField(label="名称", max_length=100)
    areas = forms.MultipleChoiceField(label="范围", widget=forms.CheckboxSelectMultiple)
    start = _date("开始日期")
    end = _date("结束日期")

    def __init__(self, *args, user, campaign=None, started=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.started = started
        self.fields["areas"].choices = area_choices(user)
        self.fields["categories"] = _categories("问题类别（不选表示全部）", False)
        for kind, label in PhaseKind.choices:
            self.fields[f"{kind}_name"] = forms.CharField(label=f"{label} 名称", max_length=50, required=False,
                                                          initial=label)
            self.fields[f"{kind}_start"] = _date(f"{label} 开始", required=False)
            self.fields[f"{kind}_end"] = _date(f"{label} 结束", required=False)
        quotas = list(campaign.quotas.filter(valid_until__isnull=True)) if campaign else []
        self.quota_rows = max(QUOTA_ROWS, len(quotas) + 1)
        for i in range(1, self.quota_rows + 1):
            self.fields[f"quota{i}_name"] = forms.CharField(label=f"指标{i} 名称", max_length=50, required=False)
            self.fields[f"quota{i}_categories"] = _categories(f"指标{i} 问题类别", False)
            self.fields[f"quota{i}_per_week"] = forms.IntegerField(label=f"指标{i} 每村每周至少", required=False,
                                                                   min_value=1, max_value=10000)
        if campaign is not None:
            self.initial.update(name=campaign.name, areas=campaign.areas, start=campaign.start, end=campaign.end,
                                categories=campaign.categories)
            for p in campaign.phases.all():
                self.initial.update({f"{p.kind}_name": p.name, f"{p.kind}_start": p.start, f"{p.kind}_end": p.end})
            for i, q in enumerate(quotas, 1):
                self.initial.update({f"quota{i}_name": q.name, f"quota{i}_categories": q.categories,
                                     f"quota{i}_per_week": q.per_village_per_week})
        if started:
            for name, field in self.fields.items():
                if not (name == "name" or name.startswith("quota")):
                    field.disabled = True
        self.style()
        self.group_errors = {}  # BadInput of the services on `phases` / `quotas`, shown above those rows

    def phase_rows(self):
        return [(label, [self[f"{kind}_{part}"] for part in ("name", "start", "end")])
                for kind, label in PhaseKind.choices]

    def quota_fields(self):
        return [[self[f"quota{i}_{part}"] for part in ("name", "categories", "per_week")]
                for i in range(1, self.quota_rows + 1)]

    def clean(self):
        data = super().clean()
        for kind, label in PhaseKind.choices:
            start, end = data.get(f"{kind}_start"), data.get(f"{kind}_end")
            if (start is None) != (end is None) and not self.errors.get(f"{kind}_start") \
                    and not self.errors.get(f"{kind}_end"):
                missing = f"{kind}_end" if end is None else f"{kind}_start"
                self.add_error(missing, f"请填写{label}的{'结束' if end is None else '开始'}日期")
        for i in range(1, self.quota_rows + 1):
            name, cats = data.get(f"quota{i}_name"), data.get(f"quota{i}_categories")
            if (name or cats) and data.get(f"quota{i}_per_week") is None \
                    and not self.errors.get(f"quota{i}_per_week"):
                self.add_error(f"quota{i}_per_week", "请填写每村每周至少完成的数量")
        return data

    def service_data(self):
        """The dict campaigns.services takes (the API's JSON shape); after the start only name and quotas."""
        d = self.cleaned_data
        quotas = [{"name": d[f"quota{i}_name"], "categories": d[f"quota{i}_categories"],
                   "per_village_per_week": d[f"quota{i}_per_week"]}
                  for i in range(1, self.quota_rows + 1)
                  if d.get(f"quota{i}_name") or d.get(f"quota{i}_categories") or d.get(f"quota{i}_per_week")]
        if self.started:
            return {"name": d["name"], "quotas": quotas}
        phases = [{"name": d[f"{kind}_name"] or label, "kind": kind, "start": d[f"{kind}_start"],
                   "end": d[f"{kind}_end"]}
                  for kind, label in PhaseKind.choices if d.get(f"{kind}_start") and d.get(f"{kind}_end")]
        return {"name": d["name"], "areas": d["areas"], "start": d["start"], "end": d["end"],
                "categories": d["categories"], "phases": phases, "quotas": quotas}

    def _row_field(self, exc):
        """The phase or quota field a service's error on `phases` / `quotas` is about: the row whose name the
        message quotes, the part its wording names; None when no one row is meant (shown above the rows)."""
        d = self.cleaned_data
        if exc.field == "phases":
            for kind, label in PhaseKind.choices:
                if f"“{d.get(f'{kind}_name') or label}”" in exc.detail:
                    return f"{kind}_end" if "结束" in exc.detail and "超出" not in exc.detail else f"{kind}_start"
            return None
        for i in range(1, self.quota_rows + 1):
            name = d.get(f"quota{i}_name") or f"指标{i}"
            if f"“{name}”" in exc.detail or exc.detail.endswith(f"：{name}"):
                part = "categories" if "类别" in exc.detail else "per_week" if "每村每周" in exc.detail else "name"
                return f"quota{i}_{part}"
        return None

    def service_error(self, exc):
        """Put a service's DomainError next to the field it names (a phase's or quota's row when the message
        names one, else above the phases or quotas)."""
        if exc.field in ("phases", "quotas"):
            field = self._row_field(exc)
            if field is None:
                self.group_errors[exc.field] = exc.detail
            else:
                self.add_error(field, exc.detail)
        elif exc.field in self.fields:
            self.add_error(exc.field, exc.detail)
        else:
            self.add_error(None, exc.detail)


class AcceptanceForm(Styled, forms.Form):
    result = forms.ChoiceField(label="结果", choices=[("pass", "通过"), ("fail", "不通过")], widget=forms.RadioSelect)
    note = forms.CharField(label="说明", max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


def task_area_choices(user):
    """[(group, [(code, name)])]: the towns and villages in the user's area a task target may name."""
    area = scope.of(user)
    towns = [(t.code, t.name) for t in Town.objects.filter(scope.code_q(area)).order_by("code")]
    villages = [(v.code, f"{v.town.name} {v.name}")
                for v in Village.objects.filter(scope.code_q(area)).select_related("town").order_by("code")]
    return [(TaskLevel.TOWN.label, towns), (TaskLevel.VILLAGE.label, villages)]


TARGET_ROWS = 4  # areas one task line may name at once (each with its own yearly target)


class TaskForm(Styled, forms.Form):
    """One line of the year's task list: name, unit, year, and the areas (towns, or villages) with their yearly
    targets: 区域 / 年度目标, then 区域 2 / 年度目标 2 … for more areas of the same task."""

    name = forms.CharField(label="任务名称", max_length=100)
    unit = forms.CharField(label="单位", max_length=20, initial="个")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    office = forms.CharField(label="责任部门", max_length=100, required=False)
    person = forms.CharField(label="责任人", max_length=50, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "请选择")] + task_area_choices(user)
        for i in range(1, TARGET_ROWS + 1):
            suffix = "" if i == 1 else f" {i}"
            self.fields[self.key("area", i)] = forms.ChoiceField(label=f"区域{suffix}", choices=choices,
                                                                 required=i == 1)
            self.fields[self.key("target", i)] = forms.FloatField(label=f"年度目标{suffix}", min_value=0,
                                                                  required=i == 1)
        self.fields["year"].initial = timezone.localdate().year
        self.style()

    @staticmethod
    def key(part, i):
        return part if i == 1 else f"{part}_{i}"

    def target_rows(self):
        return [(self[self.key("area", i)], self[self.key("target", i)]) for i in range(1, TARGET_ROWS + 1)]

    def _rows(self):
        d = self.cleaned_data
        return [(i, d.get(self.key("area", i)), d.get(self.key("target", i))) for i in range(1, TARGET_ROWS + 1)]

    def clean(self):
        data = super().clean()
        widths = set()
        for i, area, target in self._rows():
            if area and target is None and self.key("target", i) not in self.errors:
                self.add_error(self.key("target", i), "请填写年度目标")
            if target is not None and not area and self.key("area", i) not in self.errors:
                self.add_error(self.key("area", i), "请选择区域")
            if area:
                if widths and len(area) not in widths:
                    self.add_error(self.key("area", i), "同一任务的区域应同为街镇或同为行政村")
                widths.add(len(area))
        return data

    def service_data(self):
        d = self.cleaned_data
        rows = [(area, target) for _, area, target in self._rows() if area]
        level = TaskLevel.TOWN if len(rows[0][0]) == scope.WIDTH["town"] else TaskLevel.VILLAGE
        return {"name": d["name"], "unit": d["unit"], "year": d["year"], "level": level, "office": d["office"],
                "person": d["person"], "targets": [{"area": a, "target": t} for a, t in rows]}

    def service_error(self, exc):
        """A target's error goes to the row whose area it names (the value's field when it is about the value)."""
        field = exc.field
        if exc.field in ("targets", "level"):
            named = [i for i, area, _ in self._rows() if area and area in exc.detail]
            i = named[0] if named else 1
            field = self.key("target" if "年度目标" in exc.detail else "area", i)
        self.add_error(field if field in self.fields else None, exc.detail)


class ProgressForm(Styled, forms.Form):
    """填报进度 of one task: which of its areas, how many this time, when done, a note."""

    area = forms.ChoiceField(label="区域")
    value = forms.FloatField(label="本次完成数量", min_value=0)
    date = forms.DateField(label="完成日期", widget=DateInput(format="%Y-%m-%d"))
    note = forms.CharField(label="说明", max_length=2000, required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas
        self.fields["date"].initial = timezone.localdate()
        self.style()

    def service_error(self, exc):
        self.add_error(exc.field if exc.field in self.fields else None, exc.detail)
