"""Config validation errors that do not show a secret setting's value in the log.

singer-sdk logs each config error as jsonschema words it, value first: `987654 is not of type
'string' in config['client_secret']`. A secret typed wrongly (a number, a list) would then be
printed. This filter, on the tap's and the target's logger, rewrites such a message so it names
the setting and the problem but never the value.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

_SETTING = re.compile(r"in config\['([^']+)'\]")


def secret_settings(config_jsonschema: dict[str, Any]) -> frozenset[str]:
    """The settings the plugin's schema marks `secret`."""
    props = config_jsonschema.get("properties") or {}
    return frozenset(k for k, v in props.items() if isinstance(v, dict) and v.get("secret"))


class RedactSecretConfigErrors(logging.Filter):
    """Hide the value in a config error about a secret setting."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = frozenset(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not this filter's business
            return True
        match = _SETTING.search(text)
        if match and match.group(1) in self.secrets:
            record.msg = (f"config[{match.group(1)!r}] is not valid (a secret: its value is "
                          f"not shown); it must be a non-empty string")
            record.args = ()
        return True


def protect(logger_name: str, config_jsonschema: dict[str, Any]) -> None:
    """Install the filter on a plugin's logger (once)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactSecretConfigErrors) for f in logger.filters):
        logger.addFilter(RedactSecretConfigErrors(secret_settings(config_jsonschema)))
