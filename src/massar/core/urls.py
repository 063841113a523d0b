from django.urls import include, path

from massar.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/sign-in/", views.sign_in, name="login"),
    path("accounts/sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("accounts/sign-out/", views.sign_out, name="sign_out"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/password/forgotten/", views.password_forgotten, name="password_forgotten"),
    path("accounts/password/reset/", views.password_reset, name="password_reset"),
    path("accounts/two-step/", views.totp_setup, name="totp_setup"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("", include("massar.core.notification_urls")),
]
