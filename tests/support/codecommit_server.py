#!/usr/bin/env python3
"""Test peer that behaves like AWS CodeCommit's git HTTPS endpoint.

It listens on loopback only, checks Basic credentials exactly the way
CodeCommit does (username: the access key id, optionally followed by
`%<session token>`; password: a SigV4-style signature), and then serves the
bare repositories under --root through `git http-backend`.

It must never listen on anything but loopback (127.0.0.0/8), talk to the
network (other than the --sts moto server, which must be on 127.0.0.1), take secrets on its
command line, or write a password, secret access key, session token or MFA
code to its log. Only the Python standard library and the `openssl` and `git`
command-line tools are used.

    codecommit_server.py --root REPOS --tls-dir DIR --keys KEYS.json
                         [--host NAME ...] [--log FILE] [--sts URL]
                         [--listen 127.0.0.N:PORT] [--hold FILE]
    codecommit_server.py --self-test
    codecommit_server.py --count-sts-calls URL

It listens on 127.0.0.1 and a free port unless --listen names another
loopback address (127.0.0.0/8) and port: port 443 on an address of its own
lets a test use CodeCommit's real URLs, which have no port (binding it needs
root). With --hold FILE, each request waits while FILE exists (at most 60 s)
and FILE.waiting exists while one does: a test can look at every process
while git is in the middle of a request.

KEYS.json maps access key ids to {"secret": ..., "session_token": null|...}
and is re-read on every request. Each log line is JSON with method, path,
status, key_id and reason.

MFA policy (--sts http://127.0.0.1:PORT)
-----------------------------------------
With --sts the server emulates an account whose IAM policy denies everything
unless aws:MultiFactorAuthPresent is true, using a moto server as the STS that
issued the sessions. Credentials are first checked exactly as without --sts;
then, for a request whose signature, token and timestamp are all valid:

  * a keys-file entry with "long_term": true (an IAM user's own keys) is
    refused: 403 "mfa required";
  * a keys-file entry with "mfa_session": true (put moto's fixed
    GetSessionToken credentials here, with their secret and token) is
    accepted only if moto recorded a GetSessionToken request carrying both
    SerialNumber and TokenCode, else 403 "no mfa session issued";
  * a key id missing from the keys file is looked up in moto's
    /moto-api/data.json (sts.AssumedRole); if moto issued it, its secret and
    session token are checked as for a keys-file entry, and it is accepted only
    if moto recorded an AssumeRole request for the same RoleArn and
    RoleSessionName that carried MFA: SerialNumber and TokenCode, or a
    signature by an "mfa_session" key once GetSessionToken issued it with MFA
    (AWS passes aws:MultiFactorAuthPresent on to roles assumed with an MFA
    session), else 403 "no mfa session issued". moto's recording does not say which request issued which key: if
    the requests for one role ARN and session name all agree, that answer is
    used; if they are mixed, the newest request is paired with the newest
    session, the one before with the one before, and so on. Key ids moto did not
    issue either get 403 "unknown access key id", as without --sts;
  * other keys-file entries are accepted as without --sts.

If moto cannot be reached the request gets 502 "sts unavailable". Other
failures keep the reasons they have without --sts.

The test harness must start moto with request recording on, and with a
recording file of its own (the default is ./moto_recording, shared with any
other moto started in the same directory, and appended to across runs):

    MOTO_ENABLE_RECORDING=True MOTO_RECORDER_FILEPATH=<fresh dir>/recording \
        python3 -m moto.server -H 127.0.0.1 -p 0

then read the port from moto's "Running on http://127.0.0.1:PORT" line, and
pass --sts http://127.0.0.1:PORT. (At startup this server also asks moto to
start recording, so STS calls made after this server printed its port are
recorded even without MOTO_ENABLE_RECORDING; calls made before need it.)
Don't call /moto-api/recorder/reset-recording or stop-recording while the
server is in use: the recording is how it knows a session was issued with MFA.

Counting STS calls
------------------
    python3 tests/support/codecommit_server.py --count-sts-calls http://127.0.0.1:PORT

prints one line, {"GetSessionToken": n, "AssumeRole": m}: the number of
requests with those actions moto has recorded since it started (with or
without MFA, failed or not), and exits 0; it exits non-zero with a message on
stderr if moto cannot be reached. The counts only grow, so a test compares
counts taken before and after the step it checks.
"""

import argparse
import datetime
import fcntl
import hashlib
import hmac
import ipaddress
import http.server
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64decode

DEFAULT_HOSTS = [
    "git-codecommit.us-east-1.amazonaws.com",
    "git-codecommit-fips.us-east-1.amazonaws.com",
    "git-codecommit.cn-north-1.amazonaws.com.cn",
    "vpce-0123456789abcdef0-abcdefgh.git-codecommit.us-east-1.vpce.amazonaws.com",
]
REPO_PATH = re.compile(r"^/v1/repos/([A-Za-z0-9._-]+)(/[^?]*)?(?:\?(.*))?$")
REGION = re.compile(r"(vpce-.+\.)?git-codecommit(-fips)?\.([^.]+)\.(vpce\.)?amazonaws\.com")
PASSWORD = re.compile(r"^(\d{8}T\d{6})Z([0-9a-f]{64})$")
MAX_AGE = datetime.timedelta(minutes=15)
MAX_SKEW = datetime.timedelta(minutes=5)
STS_ACTIONS = ("GetSessionToken", "AssumeRole")
RECORDING = "/moto-api/recorder/download-recording"
SIGNER = " signer"  # a key no STS parameter can have


class Denied(Exception):
    """A request refused with an HTTP status and a short reason."""

    def __init__(self, status, reason, key_id=None):
        super().__init__(reason)
        self.status, self.reason, self.key_id = status, reason, key_id


# --- TLS material -----------------------------------------------------------

def ensure_tls(tls_dir, hosts):
    """Create ca.pem, server.pem and server.key in tls_dir unless all exist."""
    os.makedirs(tls_dir, exist_ok=True)
    names = [os.path.join(tls_dir, n) for n in ("ca.pem", "server.pem", "server.key")]
    with open(os.path.join(tls_dir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel tests may share tls_dir
        if not all(os.path.exists(n) for n in names):
            with tempfile.TemporaryDirectory(dir=tls_dir) as tmp:
                make_certificates(tmp, hosts)
                for name in names:
                    os.replace(os.path.join(tmp, os.path.basename(name)), name)
    return names


def make_certificates(out, hosts):
    """A throwaway P-256 CA and a serverAuth leaf for hosts, valid 3 days."""
    def path(name):
        return os.path.join(out, name)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", path("ca.key"), "-out", path("ca.pem"),
            "-days", "3", "-subj", "/CN=codecommit_server.py test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-new", *ec, "-keyout", path("server.key"), "-out", path("server.csr"),
            "-subj", "/CN=" + hosts[0])
    with open(path("leaf.ext"), "w") as ext:
        ext.write("basicConstraints=critical,CA:FALSE\n"
                  "keyUsage=critical,digitalSignature\n"
                  "extendedKeyUsage=serverAuth\n"
                  "subjectKeyIdentifier=hash\n"
                  "authorityKeyIdentifier=keyid\n"
                  "subjectAltName=" + ",".join("DNS:" + h for h in hosts) + "\n")
    openssl("x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"),
            "-CAkey", path("ca.key"), "-set_serial", "0x" + secrets.token_hex(16),
            "-days", "3", "-extfile", path("leaf.ext"), "-out", path("server.pem"))


def openssl(*args):
    done = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("openssl " + args[0] + " failed:\n" + done.stderr)


# --- CodeCommit authentication -------------------------------------------

def sign(secret, ts, region, hostname, repo_path):
    """The hex signature CodeCommit expects for a git request at time ts."""
    date = ts[:8]
    canonical = "GIT\n" + repo_path + "\n\nhost:" + hostname + "\n\nhost\n"
    to_sign = ("AWS4-HMAC-SHA256\n" + ts + "\n" + date + "/" + region
               + "/codecommit/aws4_request\n"
               + hashlib.sha256(canonical.encode()).hexdigest())
    key = ("AWS4" + secret).encode()
    for part in (date, region, "codecommit", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def authenticate(authorization, host, repo, keys, now):
    """Return the access key id of valid credentials, or raise Denied."""
    if not authorization or not authorization.startswith("Basic "):
        raise Denied(401, "no credentials")
    try:
        username, _, password = b64decode(authorization[6:], validate=True).decode().partition(":")
    except ValueError:
        raise Denied(403, "malformed basic credentials")
    key_id, has_token, token = username.partition("%")
    entry = keys.get(key_id)
    if entry is None:
        raise Denied(403, "unknown access key id", key_id)
    expected_token = entry.get("session_token")
    if (token if has_token else None) != expected_token:
        raise Denied(403, "session token mismatch", key_id)
    match = PASSWORD.match(password)
    if not match:
        raise Denied(403, "malformed password", key_id)
    ts, signature = match.groups()
    hostname = (host or "").rsplit(":", 1)[0]
    region = REGION.match(hostname)
    if not region:
        raise Denied(403, "host is not a CodeCommit endpoint", key_id)
    expected = sign(entry["secret"], ts, region.group(3), hostname, "/v1/repos/" + repo)
    if not hmac.compare_digest(signature, expected):
        raise Denied(403, "signature mismatch", key_id)
    signed_at = datetime.datetime.strptime(ts, "%Y%m%dT%H%M%S").replace(tzinfo=datetime.timezone.utc)
    if not now - MAX_AGE <= signed_at <= now + MAX_SKEW:
        raise Denied(403, "stale timestamp", key_id)
    return key_id


def self_test():
    """Check the published CodeCommit signing test vector."""
    got = "20171224T115320Z" + sign("secret", "20171224T115320", "us-west-2",
                                    "git-codecommit.us-west-2.amazonaws.com",
                                    "/v1/repos/test_repo")
    want = "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a"
    print("self-test", "ok" if got == want else "FAILED: " + got)
    return 0 if got == want else 1


# --- MFA policy (--sts) -----------------------------------------------------

class StsKeys(dict):
    """The keys file, falling back to the sessions moto issued via AssumeRole."""

    def __init__(self, keys, sts):
        super().__init__(keys)
        self.sts = sts

    def get(self, key_id, default=None):
        if key_id not in self:
            try:
                entry = assumed_role(self.sts, key_id)
            except Denied as denied:
                raise Denied(denied.status, denied.reason, key_id)
            if entry is None:
                return default
            self[key_id] = entry
        return self[key_id]


def assumed_role(sts, key_id):
    """A keys-file style entry for a key moto issued via AssumeRole, or None."""
    try:
        roles = json.loads(moto_get(sts, "/moto-api/data.json"))["sts"]["AssumedRole"]
    except (ValueError, KeyError):
        roles = []  # moto has not issued any role session yet
    for i, role in enumerate(roles):
        if role.get("access_key_id") == key_id:
            name = (role.get("role_arn"), role.get("session_name"))
            newer = sum(1 for r in roles[i + 1:] if (r.get("role_arn"), r.get("session_name")) == name)
            return {"secret": role.get("secret_access_key"), "session_token": role.get("session_token"),
                    "assumed_role": {"role_arn": name[0], "session_name": name[1], "newer": newer}}
    return None


def require_mfa(sts, key_id, keys):
    """Deny, as the account's policy does, unless the session was issued with MFA."""
    entry = keys[key_id]
    if entry.get("long_term"):
        raise Denied(403, "mfa required", key_id)
    calls = sts_calls(sts)
    if entry.get("mfa_session"):
        issued = any(action == "GetSessionToken" and has_mfa(params)
                     for action, params in calls)
    elif "assumed_role" in entry:
        issued = assumed_with_mfa(calls, entry["assumed_role"], mfa_sessions(keys, calls))
    else:
        return  # a key the test vouches for, as without --sts
    if not issued:
        raise Denied(403, "no mfa session issued", key_id)


def mfa_sessions(keys, calls):
    """Key ids of MFA sessions: AssumeRole signed with one of them carries MFA
    context, as in AWS (aws:MultiFactorAuthPresent is inherited)."""
    if not any(action == "GetSessionToken" and has_mfa(params) for action, params in calls):
        return set()
    return {key_id for key_id, entry in keys.items() if entry.get("mfa_session")}


def assumed_with_mfa(calls, role, mfa_keys):
    """Whether the AssumeRole request that issued this session carried MFA,
    in its parameters or through the MFA session that signed it."""
    flags = [has_mfa(params) or params.get(SIGNER) in mfa_keys for action, params in calls
             if action == "AssumeRole" and params.get("RoleArn") == role["role_arn"]
             and params.get("RoleSessionName") == role["session_name"]]
    if not flags:
        return False
    if all(flags) or not any(flags):
        return flags[0]
    i = len(flags) - 1 - role["newer"]  # pair newest request with newest session
    return i >= 0 and flags[i]


def has_mfa(params):
    return bool(params.get("SerialNumber") and params.get("TokenCode"))


def sts_calls(sts):
    """(action, parameters) of each request moto recorded, oldest first."""
    calls = []
    for line in moto_get(sts, RECORDING).decode("utf-8", "replace").splitlines():
        try:
            params = request_params(json.loads(line))
        except ValueError:
            continue  # blank, or the line moto is writing right now
        if params.get("Action"):
            calls.append((params["Action"], params))
    return calls


def request_params(entry):
    """The query and form parameters of one recorded request (first values),
    and under SIGNER the access key id that signed it."""
    texts = [urllib.parse.urlsplit(entry.get("url") or "").query]
    headers = {k.lower(): v for k, v in (entry.get("headers") or {}).items()}
    signer = re.search(r"Credential=([^/,\s]+)/", headers.get("authorization", ""))
    if "x-www-form-urlencoded" in headers.get("content-type", "x-www-form-urlencoded"):
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = b64decode(body).decode("utf-8", "replace")
        texts.append(body)
    params = {SIGNER: signer.group(1)} if signer else {}
    for text in texts:
        for name, value in urllib.parse.parse_qsl(text):
            params.setdefault(name, value)
    return params


def count_sts_calls(sts):
    counts = dict.fromkeys(STS_ACTIONS, 0)
    for action, _ in sts_calls(sts):
        if action in counts:
            counts[action] += 1
    return counts


def moto_get(sts, path):
    """The body of moto's answer to GET path, never through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(sts + path, timeout=10) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if error.code == 500 and path == RECORDING:
            return b""  # moto has recorded nothing yet, so has no recording file
        raise Denied(502, "sts unavailable")
    except OSError:
        raise Denied(502, "sts unavailable")


def local_url(parser, url):
    """url without a trailing slash, if it is http://127.0.0.1:PORT."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or not port or parts.path.strip("/"):
        parser.error("the moto URL must be http://127.0.0.1:PORT, not " + url)
    return "http://127.0.0.1:%d" % port


# --- HTTP ------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    config = None  # the parsed command line, set in main()
    log_lock = threading.Lock()

    def do_GET(self):
        self.handle_git()

    do_POST = do_GET

    def handle_git(self):
        key_id = None
        self.wait_while_held()
        try:
            body = self.read_body()
            match = REPO_PATH.match(self.path)
            if not match or match.group(1) in (".", ".."):
                raise Denied(404, "not a repository path")
            repo, suffix, query = match.groups()
            now = datetime.datetime.now(datetime.timezone.utc)
            keys = load_keys(self.config.keys)
            if self.config.sts:
                keys = StsKeys(keys, self.config.sts)
            key_id = authenticate(self.headers.get("Authorization"), self.headers.get("Host"),
                                  repo, keys, now)
            if self.config.sts:
                require_mfa(self.config.sts, key_id, keys)
            if not os.path.isdir(os.path.join(self.config.root, repo)):
                raise Denied(404, "no such repository")
            status, headers, out = self.run_backend(key_id, "/" + repo + (suffix or ""), query or "", body)
            self.reply(status, headers, out, key_id, "authenticated")
        except Denied as denied:
            headers = [("Content-Type", "text/plain")]
            if denied.status == 401:
                headers.append(("WWW-Authenticate", 'Basic realm="AWS CodeCommit"'))
            self.reply(denied.status, headers, (denied.reason + "\n").encode(),
                       denied.key_id or key_id, denied.reason)

    def wait_while_held(self):
        hold = self.config.hold
        if not hold or not os.path.exists(hold):
            return
        waiting = hold + ".waiting"
        open(waiting, "w").close()
        deadline = time.monotonic() + 60
        while os.path.exists(hold) and time.monotonic() < deadline:
            time.sleep(0.02)
        try:
            os.remove(waiting)
        except FileNotFoundError:
            pass

    def read_body(self):
        """The request body, de-chunked; raises Denied(400) if malformed."""
        try:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self.read_chunked()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        except ValueError:
            self.close_connection = True
            raise Denied(400, "malformed request body")

    def read_chunked(self):
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0], 16)
            if size == 0:
                break
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers
            pass
        return b"".join(chunks)

    def run_backend(self, key_id, path_info, query, body):
        """Run `git http-backend` as a CGI; return (status, headers, body)."""
        # The test's own GIT_* settings (GIT_DIR, GIT_SSL_*, ...) must not reach the backend.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(GIT_PROJECT_ROOT=self.config.root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path_info, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_USER=key_id,
                   REMOTE_ADDR=self.client_address[0])
        for header in ("Content-Encoding", "Git-Protocol"):
            if header in self.headers:
                env["HTTP_" + header.upper().replace("-", "_")] = self.headers[header]
        cgi = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        sys.stderr.buffer.write(cgi.stderr)
        sys.stderr.buffer.flush()
        head, out = split_cgi(cgi.stdout)
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        return status, headers, out

    def reply(self, status, headers, body, key_id, reason):
        # Logged before the answer leaves, so that a client that has its
        # answer finds the request in the log (no race with a test reading it).
        self.write_log(status, key_id, reason)
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def write_log(self, status, key_id, reason):
        if not self.config.log:
            return
        line = json.dumps({"method": self.command, "path": self.path, "status": status,
                           "key_id": key_id, "reason": reason})
        with self.log_lock, open(self.config.log, "a") as log:
            log.write(line + "\n")

    def log_request(self, code="-", size="-"):
        pass  # requests go to --log; errors still reach stderr via log_error


def split_cgi(output):
    """Split CGI output into header block and body at the first blank line."""
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := output.find(sep)) >= 0]
    if not ends:
        return output, b""
    i, n = min(ends)
    return output[:i], output[i + n:]


def load_keys(path):
    with open(path) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", help="directory holding the bare repositories")
    parser.add_argument("--tls-dir", help="where ca.pem, server.pem and server.key live")
    parser.add_argument("--keys", help="JSON file: {key id: {secret, session_token"
                                       "[, long_term][, mfa_session]}}")
    parser.add_argument("--host", action="append", help="DNS name for the certificate")
    parser.add_argument("--log", help="append one JSON line per request here")
    parser.add_argument("--sts", metavar="URL",
                        help="moto server (http://127.0.0.1:PORT) to enforce an MFA policy with")
    parser.add_argument("--listen", metavar="127.0.0.N:PORT", default="127.0.0.1:0",
                        help="loopback address and port to listen on")
    parser.add_argument("--hold", metavar="FILE",
                        help="while FILE exists, requests wait (FILE.waiting marks one)")
    parser.add_argument("--self-test", action="store_true", help="check the signing test vector")
    parser.add_argument("--count-sts-calls", metavar="URL",
                        help="print moto's GetSessionToken and AssumeRole counts as JSON")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if args.count_sts_calls:
        url = local_url(parser, args.count_sts_calls)
        try:
            print(json.dumps(count_sts_calls(url)), flush=True)
        except Denied:
            sys.exit("cannot read moto's recording at " + url)
        return 0
    if not (args.root and args.tls_dir and args.keys):
        parser.error("--root, --tls-dir and --keys are required")
    args.root = os.path.abspath(args.root)
    if args.sts:
        args.sts = local_url(parser, args.sts)
        try:
            moto_get(args.sts, "/moto-api/recorder/start-recording")
        except Denied:
            sys.exit("cannot reach moto at " + args.sts)
    address, _, port = args.listen.rpartition(":")
    try:
        loopback = ipaddress.IPv4Address(address).is_loopback
    except ValueError:
        loopback = False
    if not loopback or not port.isdigit():
        parser.error("--listen must be a loopback 127.0.0.N:PORT, not " + args.listen)
    _, cert, key = ensure_tls(args.tls_dir, args.host or DEFAULT_HOSTS)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    Handler.config = args
    try:
        server = http.server.ThreadingHTTPServer((address, int(port)), Handler)
    except OSError as error:
        sys.exit(f"cannot listen on {args.listen}: {error.strerror}")
    # Handshake lazily in the handler thread so one slow client can't stall accept().
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    print(f"port={server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
