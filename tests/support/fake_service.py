"""What the fake AWS services of tests/support have in common.

A threading HTTP server on 127.0.0.1 whose handlers answer restJson1
operations: a control file (the state) re-read on every request, errors sent
as AWS sends them (the status, an `x-amzn-errortype` header, a JSON body), a
request log of one JSON line per request that names tokens by the names the
state file gives them and never holds a token or secret, and "hang" modes
that read a request and never answer. Only the Python standard library.
"""

import argparse
import http.server
import json
import sys
import threading
import uuid


class Failure(Exception):
    """An AWS error answer: status, error type, JSON body, and the error type's namespace."""

    def __init__(self, status, error, body, namespace=""):
        super().__init__(error)
        self.status, self.error, self.body, self.namespace = status, error, body, namespace


def name_of(entries, value):
    """The name of the entry whose "token" is value, "unknown", or None if no value."""
    if value is None:
        return None
    for name, entry in entries.items():
        if entry.get("token") == value:
            return name
    return "unknown"


def json_object(body):
    """The request body as a JSON object; {} for anything else."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return {}
    return request if isinstance(request, dict) else {}


def load_state(path):
    with open(path) as f:
        state = json.load(f)
    if not isinstance(state, dict):
        raise ValueError("the state file must hold a JSON object")
    return state


class Handler(http.server.BaseHTTPRequestHandler):
    """Reads the body and the state, then calls `route(state, body, url)`."""

    protocol_version = "HTTP/1.1"
    config = None  # the parsed command line, set by serve()
    lock = threading.Lock()
    forever = threading.Event()  # never set: what a hanging handler waits on

    def do_GET(self):
        body = self.read_body()
        try:
            state = load_state(self.config.state)
        except (OSError, ValueError) as error:
            print("%s: cannot read the state file: %s" % (sys.argv[0], error), file=sys.stderr, flush=True)
            self.answer("other", 500, "InternalServerException", {"message": "bad state file"}, None)
            return
        self.route(state, body)

    do_POST = do_GET

    def route(self, state, body):
        raise NotImplementedError

    def fail(self, service, failure, name, **extra):
        self.answer(service, failure.status, failure.error, failure.body, name, failure.namespace, **extra)

    def unknown_operation(self):
        self.answer("other", 404, "UnknownOperationException", {"message": "no such operation"}, None)

    def hang(self, service, name, **extra):
        """Accept the request and never answer; the thread ends with the process."""
        self.write_log(service, None, None, name, **extra)
        self.forever.wait()

    def read_body(self):
        try:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        except ValueError:
            self.close_connection = True
            return b""

    def answer(self, service, status, error, body, name, namespace="", **extra):
        data = json.dumps(body).encode()
        # Logged before the answer leaves, so that a client that has its
        # answer finds the request in the log (no race with a test reading it).
        self.write_log(service, status, error, name, **extra)
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

    def write_log(self, service, status, error, name, **extra):
        if not self.config.log:
            return
        entry = {"service": service, "method": self.command, "path": self.path,
                 "status": status, "error": error, "token": name}
        entry.update(extra)
        with self.lock, open(self.config.log, "a") as log:
            log.write(json.dumps(entry) + "\n")

    def log_request(self, code="-", size="-"):
        pass  # requests go to --log; errors still reach stderr via log_error


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # hanging handlers must not keep the process alive


def serve(handler, description, check_state):
    """Parses --state/--log/--port, checks the state with check_state (which
    returns an error message or None), prints the URL and serves until killed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--state", required=True,
                        help="JSON control file: modes, tokens, credentials (re-read per request)")
    parser.add_argument("--log", help="append one JSON line per request here")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    args = parser.parse_args()
    try:
        state = load_state(args.state)
    except (OSError, ValueError) as error:
        parser.error("cannot read --state %s: %s" % (args.state, error))
    problem = check_state(state)
    if problem:
        parser.error(problem)
    handler.config = args
    server = Server(("127.0.0.1", args.port), handler)
    print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
    return 0
