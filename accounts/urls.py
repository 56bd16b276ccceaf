from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("token/revoke/", views.token_revoke, name="token_revoke"),
    path("2fa/", views.verify, name="two_factor"),
    path("2fa/setup/", views.setup, name="two_factor_setup"),
    path("2fa/setup/qr.svg", views.setup_qr, name="two_factor_qr"),
]
