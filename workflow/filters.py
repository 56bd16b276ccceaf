"""Finding declarations: one django-filter FilterSet for the declaration list page, its XLSX
export and `GET /api/declarations/` (DRF's DjangoFilterBackend, documented by drf-spectacular).

A filter only narrows: every FilterSet here is handed a queryset that the selectors already
scoped to what the person may see (`selectors.declarations_visible_to`,
`declaration_list_rows`), so another unit's code in `?unit=` finds no row, never that unit's.
Each filter adds conditions to the one statement; none runs a query of its own.

The names (`unit`, `state`, `month`, `form`, `focus_topic`, `q`, `sort`) are the same on
every list. Where a declaration's columns live is the subclass's `columns` map: `""` paths on
`Declaration` itself, `declaration__…` paths on the inbox's `TaskRow` (`TaskRowFilter`), so
the inbox tabs take the same query string without a second set of definitions.
"""
from __future__ import annotations

import copy
from typing import ClassVar

import django_filters
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Collate
from django.http import QueryDict
from django_filters.constants import EMPTY_VALUES

from policies.models import Programme
from workflow.models import State

MONTHS = [(m, f"{m}月") for m in range(1, 13)]
INVALID_CHOICE = {"invalid_choice": "“%(value)s”不是合法选项。"}
# The lifecycle's order, for sorting by state (草稿 first, 已取消 last), not the codes' alphabet.
STATE_ORDER = [value for value, _label in State.choices]
# Chinese text sorts by pinyin on PostgreSQL (its ICU collation); elsewhere by code point.
PINYIN = "zh-Hans-x-icu"
# The list's columns that sort, by the `sort` value that asks for them.
SORT_LABELS = {"unit": "单位", "theme": "活动主题", "month": "月份", "form": "活动形式", "focus_topic": "重点主题",
               "state": "状态"}


def _rank(path: str, values: list[str]) -> Case:
    """The position of `path`'s value among `values` (unknown values last), to sort by."""
    return Case(*(When(**{path: value}, then=Value(rank)) for rank, value in enumerate(values)),
                default=Value(len(values)), output_field=IntegerField())


class DeclarationFilter(django_filters.FilterSet):
    """单位、状态、月份、活动形式、重点主题、关键词, and a sort by any column of the list."""

    # Logical column → lookup path on the filtered model.
    columns: ClassVar[dict[str, str]] = {
        "programme": "programme__code", "unit_code": "unit__code", "unit_name": "unit__name", "state": "state",
        "month": "month", "scheduled_month": "scheduled_month", "form": "form", "focus_topic": "focus_topic",
        "theme": "theme", "description": "description", "pk": "pk",
    }

    programme = django_filters.CharFilter(max_length=64, label="实施方案", help_text="实施方案代码，如 kaifu-2023")
    unit = django_filters.CharFilter(max_length=100, label="单位", help_text="单位代码（完全一致），或单位名称中的文字，如“教育局”")
    state = django_filters.ChoiceFilter(field_name="state", choices=State.choices, label="状态", help_text="申报状态",
                                        error_messages=INVALID_CHOICE)
    month = django_filters.TypedChoiceFilter(field_name="month", choices=MONTHS, coerce=int, label="月份",
                                             help_text="活动月份：已排期的按安排月份，否则按申报月份", error_messages=INVALID_CHOICE)
    form = django_filters.CharFilter(max_length=32, label="活动形式", help_text="活动形式代码，如 forum")
    focus_topic = django_filters.CharFilter(max_length=32, label="重点主题",
                                            help_text="重点主题代码，如 business_environment")
    q = django_filters.CharFilter(max_length=100, label="关键词",
                                  help_text="在活动主题和活动简介中查找；空格分开的几个词须都出现")
    sort = django_filters.OrderingFilter(
        fields=[(key, key) for key in SORT_LABELS],
        field_labels={**SORT_LABELS, **{f"-{key}": f"{label}（倒序）" for key, label in SORT_LABELS.items()}},
        label="排序", help_text="按列排序，前加“-”为倒序，如 -month", error_messages=INVALID_CHOICE,
    )

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, programme: Programme | None = None):
        """`programme`: the list is of this programme alone, so forms and focus topics sort in the
        order the programme lists them (the notice's), not by their codes.

        FilterSet's own __init__ deep-copies every filter with its choices for each request, about
        a millisecond of a list page. These filters keep no state of a request (they describe the
        form's fields and the schema; `filter_queryset` filters), so each gets a shallow copy."""
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model, filter_.parent = queryset.model, self
        self.programme = programme

    def get_form_class(self):
        """The form's class, made once per FilterSet class: its fields are the same for every request
        (each form copies them, as every Django form does)."""
        made = type(self).__dict__.get("_form_class")
        if made is None:
            made = super().get_form_class()
            type(self)._form_class = made
        return made

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Each valid, given filter through its `filter_<name>` method, on the model's own paths (`columns`)."""
        for name, value in self.form.cleaned_data.items():
            if value not in EMPTY_VALUES:
                queryset = getattr(self, f"filter_{name}")(queryset, value)
        return queryset

    def _path(self, column: str) -> str:
        return self.columns[column]

    def filter_programme(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.filter(**{self._path("programme"): value})

    def filter_unit(self, qs: QuerySet, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(**{self._path("unit_code"): value}) | Q(**{f"{self._path('unit_name')}__contains": value}))

    def filter_state(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.filter(**{self._path("state"): value})

    def filter_month(self, qs: QuerySet, value: int) -> QuerySet:
        """The month the activity stands at: the scheduled one once scheduled, else the declared one."""
        scheduled, declared = self._path("scheduled_month"), self._path("month")
        return qs.filter(Q(**{scheduled: value}) | Q(**{f"{scheduled}__isnull": True, declared: value}))

    def filter_form(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.filter(**{self._path("form"): value})

    def filter_focus_topic(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.filter(**{self._path("focus_topic"): value})

    def filter_q(self, qs: QuerySet, value: str) -> QuerySet:
        theme, description = self._path("theme"), self._path("description")
        for word in value.split():
            qs = qs.filter(Q(**{f"{theme}__icontains": word}) | Q(**{f"{description}__icontains": word}))
        return qs

    def filter_sort(self, qs: QuerySet, value: list[str]) -> QuerySet:
        """The chosen columns, then the key (a stable order from page to page)."""
        ordering = [self.sort_expression(param) for param in value if param]
        return qs.order_by(*ordering, self._path("pk")) if ordering else qs

    def sort_expression(self, param: str):
        descending = param.startswith("-")
        column = param.lstrip("-")
        if column == "month":
            expression = Coalesce(self._path("scheduled_month"), self._path("month"))
        elif column == "state":
            expression = _rank(self._path("state"), STATE_ORDER)
        elif column in ("form", "focus_topic") and self.programme is not None:
            items = getattr(self.programme, "forms" if column == "form" else "focus_topics")
            expression = _rank(self._path(column), [item["code"] for item in items])
        elif column == "theme" and connection.vendor == "postgresql":
            expression = Collate(F(self._path("theme")), PINYIN)  # 按拼音: 惠 (hui) before 家 (jia)
        else:
            expression = F(self._path("unit_code" if column == "unit" else column))
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)

    def applied(self) -> dict[str, str]:
        """The filters given and valid, as the query string spelled them (the export's audit event)."""
        return {name: self.data[name] for name in self.filters if self.data.get(name) and name not in self.errors}

    def described(self, programme: Programme | None) -> list[str]:
        """The applied filters in Chinese (“状态：已报送”), codes as the programme names them."""
        lines = []
        for name, value in self.applied().items():
            if name == "sort":
                continue
            shown = value
            if name == "state":
                shown = State(value).label
            elif name == "month":
                shown = f"{value}月"
            elif name in ("form", "focus_topic") and programme is not None:
                shown = programme.label("forms" if name == "form" else "focus_topics", value)
            lines.append(f"{self.filters[name].label}：{shown}")
        return lines


class TaskRowFilter(DeclarationFilter):
    """The same filters on the inbox's rows (`TaskRow`): its own copies of the unit's name, theme
    and state, the other columns through its declaration."""

    columns: ClassVar[dict[str, str]] = {
        "programme": "declaration__programme__code", "unit_code": "declaration__unit__code", "unit_name": "unit_name",
        "state": "declaration_state", "month": "declaration__month", "scheduled_month": "declaration__scheduled_month",
        "form": "declaration__form", "focus_topic": "declaration__focus_topic", "theme": "theme",
        "description": "declaration__description", "pk": "pk",
    }
