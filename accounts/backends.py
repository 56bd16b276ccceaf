"""Django's ModelBackend, with a person's permissions read in one statement.

ModelBackend reads the permissions a person holds directly and those of their groups in two
statements; every page and action that asks `has_perm` (is this person office staff?) pays both.
Here they come in one statement, cached on the user object for the request as ModelBackend caches
them (`_perm_cache`; `workflow.roles` drops it when a role changes).
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, OuterRef


class ModelBackendOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            held = Permission.objects.all()
            if not user_obj.is_superuser:
                direct = get_user_model().user_permissions.through.objects.filter(
                    user_id=user_obj.pk, permission_id=OuterRef("pk"))
                via_group = Group.permissions.through.objects.filter(
                    group__user=user_obj.pk, permission_id=OuterRef("pk"))
                held = held.filter(Exists(direct) | Exists(via_group))
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in
                                    held.values_list("content_type__app_label", "codename")}
        return user_obj._perm_cache
