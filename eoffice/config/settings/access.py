"""Settings of sign-in: secrets, tokens, and the throttling of failed logins."""

from __future__ import annotations

from dataclasses import dataclass

from eoffice.config.environment import (
    parse_int,
    parse_jwt_keys,
    parse_str,
    setting,
)


@dataclass(frozen=True)
class AccessSettings:
    """Secrets, token lifetimes and login throttling."""

    secret_key: str | None = setting(
        None, parse_str, "Signs download links; unset means generated once into instance/."
    )
    jwt_keys: dict[str, str] | None = setting(
        None, parse_jwt_keys, "Token keys `kid:secret,…`, first signs; unset means generated into instance/."
    )
    jwt_issuer: str = setting("eoffice", parse_str, "`iss` claim of issued tokens.")
    jwt_audience: str = setting("eoffice-api", parse_str, "`aud` claim of issued tokens.")
    access_token_ttl: int = setting(900, parse_int(30, 86400), "Access token lifetime, seconds.")
    refresh_token_ttl: int = setting(
        14 * 86400, parse_int(60, 365 * 86400), "Refresh token lifetime, seconds."
    )
    login_max_failures: int = setting(
        5,
        parse_int(1),
        "Failed logins of one account within the window before its next attempts wait: from the "
        "failing address always, from others only if the account never logged in from them.",
    )
    login_max_failures_per_address: int = setting(
        20,
        parse_int(1),
        "Failed logins from one address within the window before its next attempts wait, except for "
        "accounts that logged in from it before (the colleagues behind a shared proxy).",
    )
    login_max_delay: int = setting(
        60,
        parse_int(1, 3600),
        "Longest wait before the next login attempt, seconds: it starts at 1 and doubles with each failure.",
    )
    login_failure_window: int = setting(
        900, parse_int(1), "Failed logins older than this, seconds, no longer count."
    )
    proxy_count: int = setting(
        0,
        parse_int(0, 5),
        "Reverse proxies in front of the server that append the client's address to X-Forwarded-For "
        "(1 behind the nginx example); logins are throttled per address, so it must be right.",
    )
