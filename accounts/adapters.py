from django.http import HttpRequest
from allauth.account.adapter import DefaultAccountAdapter

from accounts.selectors import home_url_for


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return home_url_for(request.user)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return home_url_for(request.user)
