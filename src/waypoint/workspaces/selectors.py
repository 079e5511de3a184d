"""Reads of workspaces and the one helper that scopes a looked-up object to a workspace."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.http import Http404

from .models import Member, Team, User, Workspace

M = TypeVar("M", bound=models.Model)


def scoped_get(queryset: models.QuerySet[M] | type[M], workspace: Workspace, **lookup) -> M:
    """The object matching ``lookup`` inside ``workspace``; 404 otherwise.

    An object of another workspace is reported exactly like one that does not exist, so a
    URL never confirms what another tenant has.
    """
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return qs.get(workspace=workspace, **lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(qs.model._meta.verbose_name) from exc


def workspaces_of_user(user: User) -> models.QuerySet[Workspace]:
    # The switcher lists them all: their logos' bytes stay in the database.
    return Workspace.objects.filter(members__user=user).defer("logo").order_by("name")


def member_of(workspace: Workspace, user: User) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.select_related("user").filter(workspace=workspace, user=user).first()


def members_list(workspace: Workspace) -> models.QuerySet[Member]:
    return Member.objects.filter(workspace=workspace).select_related("user")


def teams_list(workspace: Workspace) -> models.QuerySet[Team]:
    return Team.objects.filter(workspace=workspace).select_related("parent", "lead__user")
