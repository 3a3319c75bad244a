"""Helpers of the security suite: is a secret anywhere in a text, in any form? (The reset of
the connection singleton is tests/support/odm_state.py's.)"""

from __future__ import annotations

import re
import traceback
from typing import List
from urllib.parse import quote


def secret_forms(secret: str) -> List[str]:
    """A secret as given, percent-encoded (both quote styles), and each run of 6+ letters and
    digits of it (a secret cut at one of its special characters is still a leak)."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote(secret, safe="").replace("%20", "+")}
    forms.update(run for run in re.findall(r"[A-Za-z0-9]+", secret) if len(run) >= 6)
    return sorted(f for f in forms if f)


def assert_no_secret(text: str, *secrets: str, what: str = "text") -> None:
    """Fails when any form (see secret_forms) of any of `secrets` is in `text`."""
    for secret in secrets:
        for form in secret_forms(secret):
            assert form not in text, f"{what} holds a secret ({form!r}): {text!r}"


def exception_text(exc: BaseException) -> str:
    """Everything an exception shows: str, repr, args and the formatted chain."""
    parts = [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        parts += [str(cause), repr(cause), repr(cause.args)]
        cause = cause.__cause__ or cause.__context__
    return "\n".join(parts)
