"""Celery tasks for accounts. Thin: load by id inside the tenant, call a service."""

from celery import shared_task

from accounts.models import Invitation
from accounts.services import invitation_send_email
from accounts.tenancy import tenant_task


@shared_task(acks_late=True)
@tenant_task
def send_invitation_email(*, tenant_id: int, invitation_id: int, join_url: str) -> None:
    invitation = (
        Invitation.objects.select_related("tenant", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending:
        return  # revoked, accepted or gone since it was enqueued
    invitation_send_email(invitation=invitation, join_url=join_url)
