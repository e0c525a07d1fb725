"""What every API router shares: the 403 error and the error body schema."""

from ninja import Schema

from distans.core.errors import CoreError


class Forbidden(CoreError):
    """The caller may not do this (turned into 403 by distans.api.main)."""

    code = "forbidden"


class ErrorOut(Schema):
    code: str
    message: str
