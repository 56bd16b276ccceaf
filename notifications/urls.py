from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:pk>/", views.message_open, name="open"),
    path("messages/<int:pk>/read/", views.message_mark_read, name="read"),
    path("messages/read-all/", views.messages_mark_all_read, name="read_all"),
    path("profile/", views.profile, name="profile"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
]
