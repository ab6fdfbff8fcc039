"""Wagtail's workflow reports, limited to the files of the user's own brands.

Wagtail's "Workflows" and "Workflow tasks" reports (``/admin/reports/workflow/``,
``/admin/reports/workflow_tasks/``) open to anyone who may edit pages, and then list the workflow
states of every object whose *model* the user may change: a studio member who also edits the
site's pages would see every brand's files in review, with the names of the people who submitted
them. Wagtail offers no hook for these querysets, so the package swaps the reports' views for the
subclasses below while Wagtail builds its admin URLs (:func:`scope_report_urls`, run from the
``register_admin_urls`` hook, before Wagtail wraps the views in its admin-access decorators).
System check ``wagtail_lfcloud.W042`` reports it if the swap did not happen.
"""

from __future__ import annotations

import logging

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from wagtail.admin.views.reports import workflows as wagtail_reports
from wagtail.models import WorkflowMixin, WorkflowState
from wagtail.permissions import policy_registry

from .. import models
from .policies import MODEL_ACCESS

logger = logging.getLogger(__name__)


def _workflow_models() -> list[type]:
    return [
        model
        for model in (getattr(models, name) for name in MODEL_ACCESS)
        if issubclass(model, WorkflowMixin)
    ]


def unreachable_states(user, prefix: str = "") -> Q | None:
    """Workflow states (``prefix`` leads from the queryset to the state) of the package's objects
    that ``user`` may not change or publish on their own brand; ``None`` when there are none."""
    if user.is_active and user.is_superuser:
        return None
    hidden = Q()
    for model in _workflow_models():
        reachable = policy_registry.get_by_type(model).instances_user_has_any_permission_for(
            user, ["change", "publish"]
        )
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        hidden |= Q(**{f"{prefix}content_type": content_type}) & ~Q(
            **{f"{prefix}object_id__in": reachable.values_list(Cast("pk", CharField()), flat=True)}
        )
    return hidden or None


def requesters_in_reach(request):
    """People who started a workflow the user may see (the report's "requested by" filter)."""
    User = get_user_model()
    states = WorkflowState.objects.all()
    hidden = unreachable_states(request.user)
    if hidden is not None:
        states = states.exclude(hidden)
    return User.objects.filter(pk__in=states.values("requested_by")).order_by(User.USERNAME_FIELD)


class WorkflowReportFilterSet(wagtail_reports.WorkflowReportFilterSet):
    requested_by = django_filters.ModelChoiceFilter(
        field_name="requested_by", queryset=requesters_in_reach
    )


class WorkflowView(wagtail_reports.WorkflowView):
    """Wagtail's workflow report without the states of other brands' files."""

    filterset_class = WorkflowReportFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        hidden = unreachable_states(self.request.user)
        return queryset if hidden is None else queryset.exclude(hidden)


class WorkflowTasksView(wagtail_reports.WorkflowTasksView):
    """Wagtail's workflow tasks report without the tasks of other brands' files."""

    def get_queryset(self):
        queryset = super().get_queryset()
        hidden = unreachable_states(self.request.user, prefix="workflow_state__")
        return queryset if hidden is None else queryset.exclude(hidden)


#: URL name in ``wagtailadmin_reports`` -> (Wagtail's view class, the package's).
REPORT_VIEWS = {
    "workflow": (wagtail_reports.WorkflowView, WorkflowView),
    "workflow_results": (wagtail_reports.WorkflowView, WorkflowView),
    "workflow_tasks": (wagtail_reports.WorkflowTasksView, WorkflowTasksView),
    "workflow_tasks_results": (wagtail_reports.WorkflowTasksView, WorkflowTasksView),
}


def scope_report_urls() -> list[str]:
    """Swap the workflow reports' views in Wagtail's report URLs; returns the names swapped.

    Keeps each view's arguments (``results_only``). A pattern whose view is not Wagtail's own
    (another package replaced it) is left alone and logged; check W042 then says so.
    """
    # app loading: runs while Wagtail imports wagtail.admin.urls (its register_admin_urls hook)
    from wagtail.admin.urls import reports

    swapped = []
    for pattern in reports.urlpatterns:
        if pattern.name not in REPORT_VIEWS:
            continue
        wagtail_class, ours = REPORT_VIEWS[pattern.name]
        current = getattr(pattern.callback, "view_class", None)
        if current is ours:
            swapped.append(pattern.name)
            continue
        if current is not wagtail_class:
            logger.warning(
                "Not scoping the %s report: its view is %r, not Wagtail's.", pattern.name, current
            )
            continue
        pattern.callback = ours.as_view(**getattr(pattern.callback, "view_initkwargs", {}))
        swapped.append(pattern.name)
    return swapped
