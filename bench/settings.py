"""Benchmark settings: the product's settings plus the bare-stack app (`bench.bare`).

The bare app is the baseline the DESIGN §11 ratios are measured against; it is never
installed in the product (config.settings), only here.
"""
from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
# The benchmark logs people in with Client.force_login; PBKDF2 would only slow the seeding.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
