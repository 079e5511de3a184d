from .permissions import can_admin, can_create_objective, can_edit_all
from .selectors import workspaces_of_user


def navigation(request):
    """The header's needs: the user's workspaces (to switch) and what the member may do."""
    if not request.user.is_authenticated:
        return {}
    member = getattr(request, "member", None)
    unread = 0
    if member is not None:
        from waypoint.integrations.selectors import unread_count

        unread = unread_count(member)
    workspace = getattr(request, "workspace", None)
    deletion_due = None
    if workspace is not None and workspace.deletion_requested_at is not None:
        from .privacy import deletion_due_at

        deletion_due = deletion_due_at(workspace)
    return {
        "deletion_due": deletion_due,
        "unread_notifications": unread,
        "user_workspaces": workspaces_of_user(request.user),
        "workspace": getattr(request, "workspace", None),
        "member": member,
        "can_admin": can_admin(member),
        "can_edit_all": can_edit_all(member),
        "can_create": can_create_objective(member),
    }
