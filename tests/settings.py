"""Settings for the test suite: production settings with a throwaway key and no HTTPS redirect."""

import os

# The suite, and the servers it starts, never read a developer's .env.
os.environ.setdefault("LIVEBLOG_ENV_FILE", "")
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# Hashed names need collectstatic; the server tests run it and check the production storage.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
