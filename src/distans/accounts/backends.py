from django.contrib.auth.backends import ModelBackend


class LockoutModelBackend(ModelBackend):
    """The model backend; lockout is checked by the login form before it is called,
    so the message can say how long the lock lasts."""
