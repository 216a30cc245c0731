"""The connection settings both connectors declare: credentials, hosts, timeouts, retries, limits.

tap-xero and target-xero add their own settings (tenants, streams, batches) around these;
`XeroClient.from_config` reads exactly these names, so they are declared once, here.
"""

from __future__ import annotations

from singer_sdk import typing as th

from xero_core.http import DEFAULT_API_URL, DEFAULT_IDENTITY_URL
from xero_core.limits import APP_MINUTE_LIMIT, MINUTE_LIMIT
from xero_core.transport import DEFAULT_LOGIN_URL


def connection_settings() -> list[th.Property]:
    """Fresh Property objects (a PropertiesList owns the ones it is given)."""
    return [
        th.Property("client_id", th.StringType, required=True,
                    description="Xero app client id (Custom Connection or standard app)."),
        th.Property("client_secret", th.StringType, required=True, secret=True,
                    description="Xero app client secret."),
        th.Property("refresh_token", th.StringType, secret=True,
                    description="Refresh token of a standard (authorization code) app. Without "
                                "it, client credentials (Custom Connection) are used. Xero "
                                "rotates it: set token_store_path."),
        th.Property("token_store_path", th.StringType,
                    description="File keeping the newest (rotated) refresh token and access "
                                "token, written atomically with mode 0600."),
        th.Property("scopes", th.StringType,
                    description="Space-separated scopes to ask for with client credentials."),
        th.Property("api_url", th.StringType, default=DEFAULT_API_URL,
                    description="Xero API host (the sandbox's URL to try it locally)."),
        th.Property("identity_url", th.StringType, default=DEFAULT_IDENTITY_URL,
                    description="Xero identity host (token endpoint)."),
        th.Property("login_url", th.StringType, default=DEFAULT_LOGIN_URL,
                    description="Xero login host serving the consent page "
                                "(/identity/connect/authorize), used by xero-auth login."),
        th.Property("request_timeout", th.NumberType, default=60,
                    description="Seconds before a call times out (then retried)."),
        th.Property("max_retries", th.IntegerType(minimum=0), default=5,
                    description="Retries of a call after 5xx, timeouts and connection errors."),
        th.Property("backoff_factor", th.NumberType, default=1.0,
                    description="Seconds of the first retry back-off (doubling, with jitter)."),
        th.Property("wait_on_day_limit", th.BooleanType, default=False,
                    description="Wait out a spent day limit (hours) instead of stopping "
                                "cleanly with state."),
        th.Property("max_calls_per_minute", th.IntegerType(minimum=1), default=MINUTE_LIMIT,
                    description="Calls a rolling minute this process allows itself per "
                                "organisation. Xero allows 60: set it lower to leave room for "
                                "other apps on the same organisation (higher values only make "
                                "sense against the sandbox with its limits off)."),
        th.Property("limiter_url", th.StringType, secret=True,
                    description="Redis URL (redis://[:password@]host:port/db) of a rate "
                                "limiter shared by every process of this app: each "
                                "organisation's minute, in-flight and day budgets and the "
                                "app's minute are then counted across taps, targets and "
                                "runs. Unset: each process limits itself."),
        th.Property("limiter_fallback", th.StringType, default="local",
                    allowed_values=["local", "stop"],
                    description="When limiter_url's Redis is unreachable: 'local' falls back "
                                "to this process's own limiter with a warning, 'stop' stops "
                                "the run."),
        th.Property("max_app_calls_per_minute", th.IntegerType(minimum=1),
                    default=APP_MINUTE_LIMIT,
                    description="With limiter_url: calls a rolling minute the app allows itself "
                                "across all its organisations and processes (Xero allows "
                                "10,000)."),
        th.Property("user_agent", th.StringType, description="User-Agent sent to Xero."),
    ]
