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
names the state file gives them. Only the Python standard library is used
(and fake_service.py beside it, which the fakes share).

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

import sys
import urllib.parse

from fake_service import Failure, Handler, json_object, name_of, serve

PORTAL_NS = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
OIDC_NS = "http://internal.amazon.com/coral/com.amazonaws.ssooidc/"
PORTAL_MODES = ("ok", "401", "403", "hang")
OIDC_MODES = ("ok", "refuse", "hang")
DEFAULT_EXPIRES_IN = 8 * 3600


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


class SsoHandler(Handler):
    issued = set()  # names of access tokens CreateToken has issued

    def route(self, state, body):
        url = urllib.parse.urlsplit(self.path)
        if self.command == "GET" and url.path == "/federation/credentials":
            self.portal(state, urllib.parse.parse_qs(url.query))
        elif self.command == "POST" and url.path == "/token":
            self.oidc(state, body)
        else:
            self.unknown_operation()

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
            self.fail("portal", failure, name)

    def was_issued(self, name, entry):
        if "issued_by" not in entry:
            return True
        with self.lock:
            return name in self.issued

    def oidc(self, state, body):
        refresh_tokens = state.get("refresh_tokens", {})
        request = json_object(body)
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
            self.fail("oidc", failure, name)


def check_state(state):
    if state.get("portal", "ok") not in PORTAL_MODES or state.get("oidc", "ok") not in OIDC_MODES:
        return "portal mode must be one of %s, oidc mode one of %s" % (PORTAL_MODES, OIDC_MODES)
    return None


if __name__ == "__main__":
    sys.exit(serve(SsoHandler, __doc__.split("\n")[0], check_state))
