from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.roles import Role
from accounts.selectors import home_url_for, memberships_of

HOME_TEMPLATES = {
    Role.OWNER: "accounts/home/admin.html",
    Role.ADMIN: "accounts/home/admin.html",
    Role.MANAGER: "accounts/home/manager.html",
    Role.SALES_REP: "accounts/home/sales_rep.html",
    Role.SUPPORT_AGENT: "accounts/home/support_agent.html",
    Role.MARKETER: "accounts/home/marketer.html",
    Role.VIEWER: "accounts/home/viewer.html",
}


def landing(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(home_url_for(request.user))


@login_required
def workspaces(request: HttpRequest) -> HttpResponse:
    """The tenant switcher: every workspace this user belongs to."""
    return render(request, "accounts/workspaces.html", {"memberships": memberships_of(request.user)})


def tenant_home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own home page."""
    template = HOME_TEMPLATES.get(request.membership.role, "accounts/home/viewer.html")
    return render(request, template)
