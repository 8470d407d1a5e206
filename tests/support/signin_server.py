#!/usr/bin/env python3
"""Test peer that behaves like AWS Sign-In's CreateOAuth2Token, which `aws login` sessions refresh through.

The operation as botocore's `signin` service model has it (restJson1, the
request body is `tokenInput`, the answer's body `tokenOutput`):

  * POST /v1/token with a JSON body {"clientId", "grantType": "refresh_token",
    "refreshToken"} and a `DPoP` header (RFC 9449: an ES256 JWT whose header
    carries the public key as a JWK and whose claims are htm, htu, iat, jti)
      -> 200 {"accessToken": {"accessKeyId", "secretAccessKey", "sessionToken"},
              "tokenType": "aws_sigv4", "expiresIn", "refreshToken"}

Point AWS_ENDPOINT_URL_SIGNIN at the URL it prints. Errors are the model's:
AccessDeniedException {"error": "TOKEN_EXPIRED" | "USER_CREDENTIALS_CHANGED" |
"INSUFFICIENT_PERMISSIONS", "message"} with 401 or 403, ValidationException
{"error": "INVALID_REQUEST", "message"} with 400.

The DPoP proof is checked as the service checks it: signed with the key the
refresh token is bound to (the state's "dpop_key"), that key as the JWK,
typ dpop+jwt, alg ES256, htm POST, htu this very URL, iat within five minutes
of now, and a jti never seen before. A bad proof is a ValidationException.
The signature check needs `awscrt` (which botocore's login provider needs too).

It must never listen on anything but 127.0.0.1, talk to the network, take a
token or key on its command line, or write a token, key or secret to its log
or stderr.

    signin_server.py --state STATE.json [--log LOG.jsonl] [--port N]

It prints one line, the URL it listens on, then serves until killed.
STATE.json is re-read on every request (rewrite it by renaming a new file over it):

    {
      "mode": "ok" | "expired" | "changed" | "denied" | "hang",   default "ok"
      "dpop_key": "-----BEGIN EC PRIVATE KEY-----...",  the key proofs must be signed with
      "refresh_tokens": {
        NAME: {"token": "...", "client_id": "...", "expired": false,
               "issues": CREDENTIALS_NAME, "expires_in": 900,
               "rotates_to": RT_NAME}   optional: the refreshToken returned
                                        (default: this refresh token again)
      },
      "credentials": {NAME: {"accessKeyId", "secretAccessKey", "sessionToken"}}
    }

Modes: "ok" checks the proof, then the grant: an unknown or "expired" refresh
token gets 401 TOKEN_EXPIRED, a clientId that is not the token's 400
INVALID_REQUEST. "expired" answers 401 TOKEN_EXPIRED, "changed" 403
USER_CREDENTIALS_CHANGED and "denied" 403 INSUFFICIENT_PERMISSIONS to every
request; "hang" reads the request and never answers.

Log: one JSON line per request, as fake_service.py writes it, with
"service": "signin", "token": the refresh token's name, and "dpop": "valid"
or what was wrong with the proof (null when none was sent).
"""

import base64
import hashlib
import json
import sys
import time

from awscrt.crypto import EC, ECRawSignature

from fake_service import Failure, Handler, json_object, name_of, serve

MODES = ("ok", "expired", "changed", "denied", "hang")
DEFAULT_EXPIRES_IN = 900
PROOF_WINDOW = 300  # seconds either side of now that a proof's iat may be


def access_denied(status, code, message):
    return Failure(status, "AccessDeniedException", {"error": code, "message": message})


def token_expired():
    return access_denied(401, "TOKEN_EXPIRED", "Your session has expired")


def invalid_request(message):
    return Failure(400, "ValidationException", {"error": "INVALID_REQUEST", "message": message})


MODE_FAILURES = {
    "expired": token_expired,
    "changed": lambda: access_denied(403, "USER_CREDENTIALS_CHANGED", "The password has changed"),
    "denied": lambda: access_denied(403, "INSUFFICIENT_PERMISSIONS",
                                    "Not authorized to perform signin:CreateOAuth2Token"),
}


def unbase64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(pem):
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    return EC.new_key_from_der_data(base64.b64decode(body))


def proof_problem(proof, key, url, seen):
    """What is wrong with the DPoP proof, or None."""
    try:
        header_b64, claims_b64, signature_b64 = proof.split(".")
        header = json.loads(unbase64url(header_b64))
        claims = json.loads(unbase64url(claims_b64))
        signature = unbase64url(signature_b64)
    except ValueError:
        return "not a JWT"
    x, y = key.get_public_coords()
    jwk = header.get("jwk") or {}
    if header.get("typ") != "dpop+jwt" or header.get("alg") != "ES256":
        return "typ or alg"
    if (jwk.get("kty"), jwk.get("crv")) != ("EC", "P-256") or \
            (unbase64url(jwk.get("x", "")), unbase64url(jwk.get("y", ""))) != (x, y):
        return "not the key the refresh token is bound to"
    if len(signature) != 64:
        return "signature length"
    digest = hashlib.sha256((header_b64 + "." + claims_b64).encode()).digest()
    if not key.verify(digest, EC.encode_raw_signature(ECRawSignature(signature[:32], signature[32:]))):
        return "signature"
    if claims.get("htm") != "POST" or claims.get("htu") != url:
        return "htm or htu (%s)" % claims.get("htu")
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(iat - time.time()) > PROOF_WINDOW:
        return "iat"
    jti = claims.get("jti")
    if not jti or jti in seen:
        return "jti missing or used before"
    seen.add(jti)
    return None


class SigninHandler(Handler):
    seen = set()  # the jti of every proof accepted

    def route(self, state, body):
        if self.command != "POST" or self.path != "/v1/token":
            self.unknown_operation()
            return
        request = json_object(body)
        refresh_tokens = state.get("refresh_tokens", {})
        name = name_of(refresh_tokens, request.get("refreshToken"))
        proof = self.headers.get("DPoP")
        with self.lock:
            dpop = None if proof is None else (proof_problem(
                proof, load_key(state["dpop_key"]),
                "http://%s%s" % (self.headers.get("Host"), self.path), self.seen) or "valid")
        mode = state.get("mode", "ok")
        if mode == "hang":
            self.hang("signin", name, dpop=dpop)
        try:
            if mode in MODE_FAILURES:
                raise MODE_FAILURES[mode]()
            if dpop != "valid":
                raise invalid_request("Invalid DPoP proof")
            if request.get("grantType") != "refresh_token":
                raise invalid_request("Unsupported grant type")
            entry = refresh_tokens.get(name) if name not in (None, "unknown") else None
            if entry is None or entry.get("expired"):
                raise token_expired()
            if request.get("clientId") != entry.get("client_id"):
                raise invalid_request("Invalid client")
            credentials = state.get("credentials", {})[entry["issues"]]
            next_refresh = refresh_tokens.get(entry.get("rotates_to"), entry)
            self.answer("signin", 200, None, {
                "accessToken": {key: credentials[key] for key in
                                ("accessKeyId", "secretAccessKey", "sessionToken")},
                "tokenType": "aws_sigv4",
                "expiresIn": int(entry.get("expires_in", DEFAULT_EXPIRES_IN)),
                "refreshToken": next_refresh["token"],
            }, name, dpop=dpop)
        except Failure as failure:
            self.fail("signin", failure, name, dpop=dpop)


def check_state(state):
    if state.get("mode", "ok") not in MODES:
        return "mode must be one of %s" % (MODES,)
    if "dpop_key" not in state:
        return "the state needs the dpop_key proofs are checked against"
    return None


if __name__ == "__main__":
    sys.exit(serve(SigninHandler, __doc__.split("\n")[0], check_state))
