"""Leaves a child in a session of its own and a double-forked daemon (an
orphan from the start) behind, and answers with their pids."""

import json
import os
import subprocess


def handler(event, context):
    child = subprocess.Popen(["sleep", "600"], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r, w = os.pipe()
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.close(r)
            os.write(w, str(os.getpid()).encode())
            os.close(w)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            os.execvp("sleep", ["sleep", "600"])
        os._exit(0)
    os.close(w)
    daemon = int(os.read(r, 32))
    os.close(r)
    os.waitpid(first, 0)
    return {"statusCode": 200, "body": json.dumps({"pids": [child.pid, daemon]})}
