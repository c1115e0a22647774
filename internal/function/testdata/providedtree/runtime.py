"""A custom runtime speaking the Runtime API from a detached grandchild.

The process the bootstrap started forks; the child leaves the session
(os.setsid) and runs the event loop with http.client against
"http://" + AWS_LAMBDA_RUNTIME_API, as any custom runtime would; the parent
waits for it. Each event is answered with {"pid": <the answering pid>,
"event": <the event>}.
"""

import http.client
import json
import os
import sys

pid = os.fork()
if pid:
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))

os.setsid()
conn = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    resp = conn.getresponse()
    event = json.loads(resp.read())
    req_id = resp.getheader("Lambda-Runtime-Aws-Request-Id")
    body = json.dumps({"pid": os.getpid(), "sid": os.getsid(0), "event": event})
    conn.request("POST", "/2018-06-01/runtime/invocation/%s/response" % req_id, body=body)
    conn.getresponse().read()
