"""Django's ModelBackend, with a person's permissions read in one statement.

ModelBackend reads the permissions a person holds directly and those of their groups in two
statements; every page and action that asks `has_perm` (is this person office staff?) pays both.
Here they come in one statement, cached on the user object for the request as ModelBackend caches
them (`_perm_cache`; `workflow.roles` drops it when a role changes). The statement is written
once as SQL: the ORM built it anew on every request, about 1.4 ms each time
(docs/benchmarks.md, eighth round).
"""
from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from config.sql import table_name


@cache
def _statement(*, superuser: bool) -> str:
    """Every permission (a superuser's), or those held directly or through a group, as
    (app label, codename); the person's id twice as its parameters."""
    User = get_user_model()
    select = (f"SELECT ct.app_label, p.codename FROM {table_name(Permission)} p"
              f" JOIN {table_name(ContentType)} ct ON ct.id = p.content_type_id")
    if superuser:
        return select
    return (
        f"{select} WHERE EXISTS (SELECT 1 FROM {table_name(User.user_permissions.through)} up"
        f" WHERE up.user_id = %s AND up.permission_id = p.id)"
        f" OR EXISTS (SELECT 1 FROM {table_name(User.groups.through)} ug"
        f" JOIN {table_name(Group.permissions.through)} gp ON gp.group_id = ug.group_id"
        f" WHERE ug.user_id = %s AND gp.permission_id = p.id)"
    )


class ModelBackendOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            params = [] if user_obj.is_superuser else [user_obj.pk, user_obj.pk]
            with connection.cursor() as cursor:
                cursor.execute(_statement(superuser=user_obj.is_superuser), params)
                user_obj._perm_cache = {f"{app}.{codename}" for app, codename in cursor.fetchall()}
        return user_obj._perm_cache
