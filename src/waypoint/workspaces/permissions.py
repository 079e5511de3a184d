"""Who may do what. Roles rank owner > admin > editor > member > viewer.

- viewers read;
- members also create objectives they own, edit their own objectives and the key results
  of those, and check in on the key results they own or whose objective they own;
- editors edit every objective and key result; admins and owners also run the workspace
  (members, invitations, teams, cycles, settings);
- a private objective is seen only by its owner, the members of its teams and admins.
"""

from __future__ import annotations

from .models import Member, Role

RANK = {
    Role.CLIENT: -1,  # below a viewer: the reports sent to them and the dashboards only
    Role.VIEWER: 0,
    Role.MEMBER: 1,
    Role.EDITOR: 2,
    Role.ADMIN: 3,
    Role.OWNER: 4,
}


def at_least(member: Member | None, role: str) -> bool:
    return member is not None and RANK[member.role] >= RANK[role]


def can_admin(member: Member | None) -> bool:
    return at_least(member, Role.ADMIN)


def can_edit_all(member: Member | None) -> bool:
    return at_least(member, Role.EDITOR)


def can_create_objective(member: Member | None) -> bool:
    return at_least(member, Role.MEMBER)


def can_see_objective(member: Member | None, objective) -> bool:
    if member is None:
        return False
    if not objective.private or can_admin(member) or objective.owner_id == member.pk:
        return True
    team_ids = {t.pk for t in objective.teams.all()}
    return bool(team_ids & set(member.teams.values_list("pk", flat=True)))


def can_edit_objective(member: Member | None, objective) -> bool:
    if can_edit_all(member):
        return True
    return at_least(member, Role.MEMBER) and objective.owner_id == member.pk


def can_check_in(member: Member | None, key_result) -> bool:
    if can_edit_all(member):
        return True
    if not at_least(member, Role.MEMBER):
        return False
    return member.pk in (key_result.owner_id, key_result.objective.owner_id)


def can_feed_kpi(member: Member | None, kpi) -> bool:
    """Who enters a KPI's data and answers its deviations: its owner, editors and above."""
    return can_edit_all(member) or (at_least(member, Role.MEMBER) and kpi.owner_id == member.pk)


def can_edit_initiative(member: Member | None, initiative) -> bool:
    """A key result's initiatives: those who edit its objective; a KPI's: those who feed it;
    and, either way, the initiative's own owner (who marks their work done)."""
    if at_least(member, Role.MEMBER) and initiative.owner_id == member.pk:
        return True
    if initiative.key_result_id:
        return can_edit_objective(member, initiative.key_result.objective)
    return can_feed_kpi(member, initiative.kpi)
