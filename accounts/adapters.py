from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from accounts.selectors import home_url_for, invitation_url_in_session


class AccountAdapter(DefaultAccountAdapter):
    """After login or sign-up, go back to an invitation opened in this session, if any;
    otherwise to the user's first workspace."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return invitation_url_in_session(request) or home_url_for(request.user)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return invitation_url_in_session(request) or home_url_for(request.user)
