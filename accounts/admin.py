"""django-otp registers its TOTP devices in the admin with English labels and the secret key on
the form. Administrators reset a person's authenticator from the user list instead (an audited
action, workflow.admin.UserAdmin), so the device admin is not shown."""
from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
