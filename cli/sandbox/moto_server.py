"""Starts moto's server for the ct-audit sandbox, with one fix to its SigV4 check.

moto recomputes a request's signature over the query string of ``request.url``, which its web server has already
percent-decoded: a client that signed ``prefix=a%2Fb`` (as SigV4 requires) is checked against ``prefix=a/b``, and
every S3 list with a ``/`` in its prefix fails with SignatureDoesNotMatch once IAM checking is on. AWS verifies
against the query string as sent; so does this launcher, by handing moto's check the raw query (``RAW_URI``).
Nothing else changes. Usage is that of ``moto_server``.

With ``CT_AUDIT_WATCH_STDIN=1`` the launcher also exits when its stdin reaches end of file: ct-audit keeps a pipe
open to it and the kernel closes that pipe however ct-audit ends (exit, Ctrl-C, a crash, out of memory, SIGKILL),
so the emulator never outlives the CLI that started it.
"""

import os
import sys
import threading
from urllib.parse import urlparse, urlunparse

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse
from moto.server import main

_setup_class = BaseResponse.setup_class
_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action


def setup_class(self, request, full_url, headers, *args, **kwargs):
    result = _setup_class(self, request, full_url, headers, *args, **kwargs)
    environ = getattr(request, "environ", None) or {}
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    self._raw_query = urlparse(raw_uri).query if raw_uri else None
    return result


def authenticate_and_authorize_action(self, iam_request_cls, *args, **kwargs):
    raw_query = getattr(self, "_raw_query", None)
    if raw_query is None:
        return _authorize(self, iam_request_cls, *args, **kwargs)
    decoded = self.uri
    self.uri = urlunparse(urlparse(decoded)._replace(query=raw_query))
    try:
        return _authorize(self, iam_request_cls, *args, **kwargs)
    finally:
        self.uri = decoded


BaseResponse.setup_class = setup_class
ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize_action



def _exit_when_parent_goes():
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


if __name__ == "__main__":
    if os.environ.get("CT_AUDIT_WATCH_STDIN") == "1":
        threading.Thread(target=_exit_when_parent_goes, name="parent-watch", daemon=True).start()
    sys.exit(main())
