"""WebError: every refusal of the web surface, rendered as `{"error": {"code", "message"}}`."""

from typing import Literal

from starlette.responses import JSONResponse

from ..errors import OrchestratorError

__all__ = ["ErrorCode", "WebError", "error_response"]

ErrorCode = Literal[
    "invalid_request",
    "unauthorized",
    "cross_origin",
    "forbidden",
    "misdirected_request",
    "not_found",
    "method_not_allowed",
    "conflict",
    "body_too_large",
    "unsupported_media_type",
    "rate_limited",
    "console_disabled",
    "unavailable",
    "internal",
]
_STATUS: dict[ErrorCode, int] = {
    "invalid_request": 422,
    "unauthorized": 401,
    "cross_origin": 403,
    "forbidden": 403,
    "misdirected_request": 421,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "console_disabled": 503,
    "unavailable": 503,
    "internal": 500,
}


class WebError(OrchestratorError):
    """A request the web surface refuses; `code` and `status` become the JSON error."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.status = status or _STATUS[code]
        self.message = message
        self.retry_after = retry_after
        """Seconds the client should wait before trying again (sent as `Retry-After`)."""
        self.headers = headers or {}
        """More response headers (e.g. `Allow` on a 405)."""


def error_response(error: WebError) -> JSONResponse:
    """The JSON response for `error` (401s carry `WWW-Authenticate`, rate limits `Retry-After`)."""
    headers = dict(error.headers)
    if error.code == "unauthorized":
        headers["WWW-Authenticate"] = 'Bearer realm="switchboard-agents"'
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(
        {"error": {"code": error.code, "message": error.message}},
        status_code=error.status,
        headers=headers,
    )
