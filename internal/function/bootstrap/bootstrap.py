# Portcullis Python runtime bootstrap.
#
# Speaks the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API and runs the
# handler named by _HANDLER ("module.function", "src/app.lambda_handler")
# from LAMBDA_TASK_ROOT, one event at a time, the way the managed python3.x
# runtimes do: the same context attributes, the same error documents
# {errorMessage, errorType, requestId, stackTrace}, the same fault types.
# Standard library only; one persistent HTTP connection carries every call.

import decimal
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
BASE = "/2018-06-01/runtime"

_request_id = ""


class _Response:
    def __init__(self, status, headers):
        self.status = status
        self._headers = headers

    def getheader(self, name):
        return self._headers.get(name.lower())


class _Conn:
    """A minimal HTTP/1.1 client over one keep-alive socket.

    The server is Portcullis's own Runtime API, which answers every request
    with a Content-Length body; http.client costs several times more per
    call.
    """

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._addr = (host, int(port))
        self._host = address.encode("latin-1")
        self._sock = None
        self._buf = b""

    def _open(self):
        sock = socket.create_connection(self._addr)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._buf = b""

    def call(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self._sock is None:
                self._open()
            try:
                return self._roundtrip(method, path, body, headers)
            except (ConnectionError, OSError):
                self._sock.close()
                self._sock = None
                if attempt:
                    raise

    def _roundtrip(self, method, path, body, headers):
        head = [method.encode("latin-1") + b" " + path.encode("latin-1") + b" HTTP/1.1", b"Host: " + self._host]
        for k, v in (headers or {}).items():
            # Header values come from user errors (errorType): keep them to
            # printable ASCII so they cannot break the request.
            v = "".join(c for c in str(v) if " " <= c <= "~")
            head.append(k.encode("latin-1") + b": " + v.encode("latin-1"))
        if body is not None:
            head.append(b"Content-Length: " + str(len(body)).encode("latin-1"))
        msg = b"\r\n".join(head) + b"\r\n\r\n"
        self._sock.sendall(msg + body if body is not None else msg)

        buf = self._buf
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("runtime API connection closed")
            buf += chunk
        lines = buf[:end].decode("latin-1").split("\r\n")
        status = int(lines[0][9:12])
        hdrs = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            hdrs[name.strip().lower()] = value.strip()
        start = end + 4
        stop = start + int(hdrs.get("content-length", "0"))
        while len(buf) < stop:
            chunk = self._sock.recv(max(65536, stop - len(buf)))
            if not chunk:
                raise ConnectionError("runtime API connection closed")
            buf += chunk
        self._buf = buf[stop:]
        return _Response(status, hdrs), buf[start:stop]


class Fault(Exception):
    def __init__(self, error_type, msg, trace=None):
        super().__init__(msg)
        self.error_type = error_type
        self.msg = msg
        self.trace = trace


class LambdaContext:
    def __init__(self, request_id, deadline_ms, invoked_function_arn):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = None
        self.identity = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        delta = self._deadline_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id={},log_group_name={},log_stream_name={},function_name={},"
            "memory_limit_in_mb={},function_version={},invoked_function_arn={},client_context={},identity={}])"
        ).format(
            self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
            self.memory_limit_in_mb, self.function_version, self.invoked_function_arn,
            self.client_context, self.identity,
        )


def make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def fault_result(exc_info, request_id):
    etype, value, tb = exc_info
    frames = traceback.extract_tb(tb)
    # The trace starts at the first frame outside this bootstrap.
    for i, frame in enumerate(frames):
        if not frame.filename.endswith("bootstrap.py"):
            frames = frames[i:]
            break
    else:
        frames = []
    return make_error(str(value), etype.__name__, traceback.format_list(frames), request_id)


def _default(obj):
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError("Object of type {} is not JSON serializable".format(type(obj).__name__))


def to_json(obj):
    return json.dumps(obj, default=_default)


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler, e))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise Fault(
                "Runtime.BuiltInModuleConflict",
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", "Unable to import module '{}': {}".format(modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise Fault("Runtime.UserCodeSyntaxError", "Syntax error in module '{}': {}".format(modname, e), trace)
    try:
        return getattr(module, fname)
    except AttributeError:
        fault = Fault("Runtime.HandlerNotFound", "Handler '{}' missing on module '{}'".format(fname, modname))

        def missing(event, context):
            raise fault

        return missing


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True


def setup_logging():
    # The managed runtime installs this handler on the root logger, so
    # logger.info() shows up once the level allows it.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)


def log_error(doc):
    lines = ["[ERROR] {}: {}".format(doc["errorType"], doc["errorMessage"]), "Traceback (most recent call last):"]
    lines.extend(line.rstrip("\n") for line in doc["stackTrace"])
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def handle(conn, handler, resp, body):
    global _request_id
    request_id = resp.getheader("Lambda-Runtime-Aws-Request-Id")
    _request_id = request_id
    trace_id = resp.getheader("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    context = LambdaContext(
        request_id,
        int(resp.getheader("Lambda-Runtime-Deadline-Ms") or 0),
        resp.getheader("Lambda-Runtime-Invoked-Function-Arn"),
    )
    error = None
    try:
        try:
            event = json.loads(body)
        except Exception as e:
            raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: {}".format(e))
        result = handler(event, context)
        try:
            payload = to_json(result)
        except Exception as e:
            raise Fault("Runtime.MarshalError", "Unable to marshal response: {}".format(e))
    except Fault as f:
        error = make_error(f.msg, f.error_type, f.trace, request_id)
    except Exception:
        error = fault_result(sys.exc_info(), request_id)
    if error is not None:
        log_error(error)
        conn.call(
            "POST",
            "{}/invocation/{}/error".format(BASE, request_id),
            to_json(error).encode("utf-8"),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )
    else:
        conn.call(
            "POST",
            "{}/invocation/{}/response".format(BASE, request_id),
            payload.encode("utf-8"),
            {"Content-Type": "application/json"},
        )
    _request_id = ""


def main():
    conn = _Conn(API)
    root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if root not in sys.path:
        sys.path.insert(0, root)
    setup_logging()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Fault as f:
        doc = make_error(f.msg, f.error_type, f.trace)
        log_error(doc)
        conn.call("POST", BASE + "/init/error", to_json(doc).encode("utf-8"),
                  {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": f.error_type})
        sys.exit(1)
    except Exception:
        doc = fault_result(sys.exc_info(), None)
        log_error(doc)
        conn.call("POST", BASE + "/init/error", to_json(doc).encode("utf-8"),
                  {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": doc["errorType"]})
        sys.exit(1)
    while True:
        resp, body = conn.call("GET", BASE + "/invocation/next")
        if resp.status != 200:
            sys.stderr.write("GET /next answered {}\n".format(resp.status))
            sys.exit(1)
        handle(conn, handler, resp, body)


if __name__ == "__main__":
    main()
