#!/usr/bin/env python3
"""Test peer that behaves like AWS IAM Identity Center: the SSO portal and SSO-OIDC.

One server on 127.0.0.1 answers both services' operations that a credential
helper needs, with the request and response shapes of botocore's `sso` and
`sso-oidc` service models (restJson1):

  * portal GetRoleCredentials: GET /federation/credentials?role_name=R&account_id=A
    with the header `x-amz-sso_bearer_token: <accessToken>`
      -> 200 {"roleCredentials": {"accessKeyId", "secretAccessKey",
              "sessionToken", "expiration"}}   (expiration: epoch milliseconds)
  * SSO-OIDC CreateToken: POST /token with a JSON body {"clientId",
    "clientSecret", "grantType": "refresh_token", "refreshToken"}
      -> 200 {"accessToken", "tokenType": "Bearer", "expiresIn", "refreshToken"}

Point both AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL_SSO_OIDC at the URL it
prints. Errors are sent as AWS sends them: the status, an `x-amzn-errortype`
header (`Code:namespace`, which botocore and the Rust SDK cut at the colon) and
a JSON body: {"message": ...} for the portal, {"error", "error_description"}
for SSO-OIDC.

It must never listen on anything but 127.0.0.1, talk to the network, take a
token or secret on its command line, or write a token, client secret, secret
access key or session token to its log or stderr: the log names tokens by the
names the state file gives them. Only the Python standard library is used.

    sso_server.py --state STATE.json [--log LOG.jsonl] [--port N]

It prints one line, the URL it listens on (http://127.0.0.1:PORT; --port 0,
the default, lets the system pick), then serves until killed.

STATE.json (the control file) is re-read on every request, so a test changes
modes or tokens by rewriting it (write a temporary file and rename it over):

    {
      "portal": "ok" | "401" | "403" | "hang",           default "ok"
      "oidc":   "ok" | "refuse" | "hang",                 default "ok"
      "access_tokens": {
        NAME: {"token": "...", "expired": false,
               "issued_by": RT_NAME}    optional: valid only once CreateToken
                                        has issued it (see "issues" below)
      },
      "refresh_tokens": {
        NAME: {"token": "...", "client_id": "...", "client_secret": "...",
               "revoked": false,
               "issues": ACCESS_NAME,   the access token CreateToken returns
               "expires_in": 28800,     seconds, the answer's expiresIn
               "rotates_to": RT_NAME}   optional: the refreshToken returned
                                        (default: this refresh token again)
      },
      "roles": {
        "ACCOUNT_ID/ROLE_NAME": {"accessKeyId": "...", "secretAccessKey": "...",
                                 "sessionToken": "...", "expiration": MS}
      }
    }

Portal modes: "ok" checks the bearer token: a known access token that is not
"expired" (and, if it has "issued_by", was issued) gets the role's credentials;
a known token with no such role gets 403 ForbiddenException "No access", as
AWS answers; a missing, unknown, expired or not yet issued token gets 401
UnauthorizedException "Session token not found or invalid". "401" and "403"
send those two answers whatever the token; "hang" reads the request and never
answers (the connection stays open until the server is killed).

OIDC modes: "ok" checks the grant: grantType other than refresh_token gets 400
UnsupportedGrantTypeException; an unknown or "revoked" refresh token, 400
InvalidGrantException; a clientId/clientSecret that is not the refresh
token's, 401 InvalidClientException. "refuse" answers InvalidGrantException
to every CreateToken; "hang" reads the request and never answers.

Anything else gets 404 {"message": "no such operation"} (as
UnknownOperationException).

Log: one JSON line per request, written when the answer is sent (or, for a
hang, when the server starts hanging), appended to --log:

    {"service": "portal" | "oidc" | "other", "method": "GET", "path": "/federation/credentials?...",
     "status": 200 | 401 | ... | null (hang), "error": null | "UnauthorizedException" | ...,
     "token": NAME | "unknown" | null}

"token" is the name (from STATE.json) of the access token (portal) or refresh
token (oidc) presented, "unknown" for a value the state file does not hold,
null when none was sent. Tokens and secrets never appear in it.
"""

import argparse
import http.server
import json
import os
import sys
import threading
import urllib.parse
import uuid

PORTAL_NS = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
OIDC_NS = "http://internal.amazon.com/coral/com.amazonaws.ssooidc/"
PORTAL_MODES = ("ok", "401", "403", "hang")
OIDC_MODES = ("ok", "refuse", "hang")
DEFAULT_EXPIRES_IN = 8 * 3600


class Failure(Exception):
    """An AWS error answer: status, error type and JSON body."""

    def __init__(self, status, error, body, namespace):
        super().__init__(error)
        self.status, self.error, self.body, self.namespace = status, error, body, namespace


def unauthorized():
    return Failure(401, "UnauthorizedException",
                   {"message": "Session token not found or invalid"}, PORTAL_NS)


def forbidden():
    return Failure(403, "ForbiddenException", {"message": "No access"}, PORTAL_NS)


def oidc_failure(status, error, code, description):
    return Failure(status, error, {"error": code, "error_description": description}, OIDC_NS)


def invalid_grant():
    return oidc_failure(400, "InvalidGrantException", "invalid_grant",
                        "Invalid refresh token provided")


def name_of(entries, value):
    """The name of the entry whose "token" is value, "unknown", or None if no value."""
    if value is None:
        return None
    for name, entry in entries.items():
        if entry.get("token") == value:
            return name
    return "unknown"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    config = None  # the parsed command line, set in main()
    lock = threading.Lock()
    issued = set()  # names of access tokens CreateToken has issued
    forever = threading.Event()  # never set: what a hanging handler waits on

    def do_GET(self):
        self.dispatch()

    do_POST = do_GET

    def dispatch(self):
        body = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        try:
            state = load_state(self.config.state)
        except (OSError, ValueError) as error:
            print("sso_server.py: cannot read the state file: %s" % error, file=sys.stderr, flush=True)
            self.answer("other", 500, "InternalServerException", {"message": "bad state file"}, None, "")
            return
        if self.command == "GET" and url.path == "/federation/credentials":
            self.portal(state, urllib.parse.parse_qs(url.query))
        elif self.command == "POST" and url.path == "/token":
            self.oidc(state, body)
        else:
            self.answer("other", 404, "UnknownOperationException",
                        {"message": "no such operation"}, None, "")

    def portal(self, state, query):
        tokens = state.get("access_tokens", {})
        presented = self.headers.get("x-amz-sso_bearer_token")
        name = name_of(tokens, presented)
        mode = state.get("portal", "ok")
        if mode == "hang":
            self.hang("portal", name)
        try:
            if mode == "401":
                raise unauthorized()
            if mode == "403":
                raise forbidden()
            if mode != "ok":
                raise Failure(500, "InternalServerException",
                              {"message": "unknown portal mode"}, PORTAL_NS)
            role, account = query.get("role_name", [None])[0], query.get("account_id", [None])[0]
            if not role or not account:
                raise Failure(400, "InvalidRequestException",
                              {"message": "role_name and account_id are required"}, PORTAL_NS)
            entry = tokens.get(name) if name not in (None, "unknown") else None
            if entry is None or entry.get("expired") or not self.was_issued(name, entry):
                raise unauthorized()
            credentials = state.get("roles", {}).get(account + "/" + role)
            if credentials is None:
                raise forbidden()
            fields = ("accessKeyId", "secretAccessKey", "sessionToken", "expiration")
            self.answer("portal", 200, None,
                        {"roleCredentials": {k: credentials[k] for k in fields}}, name, PORTAL_NS)
        except Failure as failure:
            self.answer("portal", failure.status, failure.error, failure.body, name, failure.namespace)

    def was_issued(self, name, entry):
        if "issued_by" not in entry:
            return True
        with self.lock:
            return name in self.issued

    def oidc(self, state, body):
        refresh_tokens = state.get("refresh_tokens", {})
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            request = {}
        name = name_of(refresh_tokens, request.get("refreshToken"))
        mode = state.get("oidc", "ok")
        if mode == "hang":
            self.hang("oidc", name)
        try:
            if mode == "refuse":
                raise invalid_grant()
            if mode != "ok":
                raise oidc_failure(500, "InternalServerException", "server_error", "unknown oidc mode")
            if request.get("grantType") != "refresh_token":
                raise oidc_failure(400, "UnsupportedGrantTypeException", "unsupported_grant_type",
                                   "only refresh_token is supported here")
            entry = refresh_tokens.get(name) if name not in (None, "unknown") else None
            if entry is None or entry.get("revoked"):
                raise invalid_grant()
            if (request.get("clientId") != entry.get("client_id")
                    or request.get("clientSecret") != entry.get("client_secret")):
                raise oidc_failure(401, "InvalidClientException", "invalid_client",
                                   "Invalid client provided")
            issues = entry.get("issues")
            access = state.get("access_tokens", {}).get(issues)
            if access is None:
                raise oidc_failure(500, "InternalServerException", "server_error",
                                   "the refresh token issues no access token")
            with self.lock:
                self.issued.add(issues)
            next_refresh = refresh_tokens.get(entry.get("rotates_to"), entry)
            self.answer("oidc", 200, None, {
                "accessToken": access["token"],
                "tokenType": "Bearer",
                "expiresIn": int(entry.get("expires_in", DEFAULT_EXPIRES_IN)),
                "refreshToken": next_refresh["token"],
            }, name, OIDC_NS)
        except Failure as failure:
            self.answer("oidc", failure.status, failure.error, failure.body, name, failure.namespace)

    def hang(self, service, name):
        """Accept the request and never answer; the thread ends with the process."""
        self.write_log(service, None, None, name)
        self.forever.wait()

    def read_body(self):
        try:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        except ValueError:
            self.close_connection = True
            return b""

    def answer(self, service, status, error, body, name, namespace):
        data = json.dumps(body).encode()
        # Logged before the answer leaves, so that a client that has its
        # answer finds the request in the log (no race with a test reading it).
        self.write_log(service, status, error, name)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error:
            self.send_header("x-amzn-errortype", error + (":" + namespace if namespace else ""))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def write_log(self, service, status, error, name):
        if not self.config.log:
            return
        line = json.dumps({"service": service, "method": self.command, "path": self.path,
                           "status": status, "error": error, "token": name})
        with self.lock, open(self.config.log, "a") as log:
            log.write(line + "\n")

    def log_request(self, code="-", size="-"):
        pass  # requests go to --log; errors still reach stderr via log_error


def load_state(path):
    with open(path) as f:
        state = json.load(f)
    if not isinstance(state, dict):
        raise ValueError("the state file must hold a JSON object")
    return state


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # hanging handlers must not keep the process alive


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--state", required=True,
                        help="JSON control file: modes, tokens, role credentials (re-read per request)")
    parser.add_argument("--log", help="append one JSON line per request here")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    args = parser.parse_args()
    try:
        state = load_state(args.state)
    except (OSError, ValueError) as error:
        parser.error("cannot read --state %s: %s" % (args.state, error))
    if state.get("portal", "ok") not in PORTAL_MODES or state.get("oidc", "ok") not in OIDC_MODES:
        parser.error("portal mode must be one of %s, oidc mode one of %s" % (PORTAL_MODES, OIDC_MODES))
    Handler.config = args
    server = Server(("127.0.0.1", args.port), Handler)
    print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
