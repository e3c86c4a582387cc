"""Plaid's error envelope: the JSON body and HTTP status Plaid returns for each error.

Statuses and codes follow Plaid's error reference (plaid.com/docs/errors): invalid
requests and item/institution errors are HTTP 400, rate limits 429, API errors 500.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCUMENTATION_PATHS = {
    "INVALID_REQUEST": "invalid-request",
    "INVALID_INPUT": "invalid-input",
    "INVALID_RESULT": "invalid-result",
    "API_ERROR": "api",
    "ITEM_ERROR": "item",
    "INSTITUTION_ERROR": "institution",
    "RATE_LIMIT_EXCEEDED": "rate-limit-exceeded",
    "TRANSACTIONS_ERROR": "transactions",
}


@dataclass(frozen=True)
class PlaidError(Exception):
    """An error the server answers with Plaid's envelope instead of a result."""

    status: int
    error_type: str
    error_code: str
    error_message: str
    display_message: str | None = None
    suggested_action: str | None = None

    def body(self, request_id: str) -> dict[str, object]:
        path = DOCUMENTATION_PATHS.get(self.error_type, "")
        return {
            "error_type": self.error_type,
            "error_code": self.error_code,
            "error_code_reason": None,
            "error_message": self.error_message,
            "display_message": self.display_message,
            "request_id": request_id,
            "causes": [],
            "status": self.status,
            "documentation_url": f"https://plaid.com/docs/errors/{path}/#{self.error_code.lower()}",
            "suggested_action": self.suggested_action,
        }


def missing_fields(*names: str) -> PlaidError:
    return PlaidError(
        400,
        "INVALID_REQUEST",
        "MISSING_FIELDS",
        f"the following required fields are missing: {', '.join(names)}",
    )


def invalid_field(message: str) -> PlaidError:
    return PlaidError(400, "INVALID_REQUEST", "INVALID_FIELD", message)


def invalid_body() -> PlaidError:
    return PlaidError(400, "INVALID_REQUEST", "INVALID_BODY", "body could not be parsed as JSON")


def invalid_access_token() -> PlaidError:
    return PlaidError(
        400,
        "INVALID_INPUT",
        "INVALID_ACCESS_TOKEN",
        "provided access token is in an invalid format or does not exist",
    )


def invalid_api_keys() -> PlaidError:
    return PlaidError(
        400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided"
    )


def not_found(path: str) -> PlaidError:
    return PlaidError(404, "INVALID_REQUEST", "NOT_FOUND", f"unknown endpoint {path}")


def products_not_supported(product: str) -> PlaidError:
    return PlaidError(
        400,
        "ITEM_ERROR",
        "PRODUCTS_NOT_SUPPORTED",
        f"the {product} product is not supported by this item's institution",
    )


def item_login_required() -> PlaidError:
    return PlaidError(
        400,
        "ITEM_ERROR",
        "ITEM_LOGIN_REQUIRED",
        "the login details of this item have changed (credentials, MFA, or required user "
        "action) and a user login is required to update this information. use Link's "
        "update mode to restore the item to a good state",
        "The provided credentials were not correct. Please try again.",
    )


def product_not_ready() -> PlaidError:
    return PlaidError(
        400,
        "ITEM_ERROR",
        "PRODUCT_NOT_READY",
        "the requested product is not yet ready. please provide a webhook or "
        "try the request again later",
    )


def institution_down() -> PlaidError:
    return PlaidError(
        400,
        "INSTITUTION_ERROR",
        "INSTITUTION_DOWN",
        "this institution is not currently responding to this request. please try again soon",
        "This financial institution is not currently responding to requests. "
        "We apologize for the inconvenience.",
    )


def internal_server_error() -> PlaidError:
    return PlaidError(
        500,
        "API_ERROR",
        "INTERNAL_SERVER_ERROR",
        "an unexpected error occurred",
        "Something went wrong. Please try again later.",
    )


def rate_limit(error_code: str) -> PlaidError:
    return PlaidError(
        429,
        "RATE_LIMIT_EXCEEDED",
        error_code,
        "rate limit exceeded for attempts to access this item. please try again later",
    )


def sync_mutation() -> PlaidError:
    return PlaidError(
        400,
        "TRANSACTIONS_ERROR",
        "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
        "underlying transaction data changed since last page was fetched. please "
        "restart pagination from last update.",
    )
