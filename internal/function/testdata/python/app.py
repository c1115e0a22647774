import json
import logging
import os
import sys
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def echo(event, context):
    return {
        "echo": event,
        "requestId": context.aws_request_id,
        "functionName": context.function_name,
        "memoryLimitInMB": context.memory_limit_in_mb,
        "hasTimeLeft": context.get_remaining_time_in_millis() > 0,
        "arn": context.invoked_function_arn,
    }


def unauthorized(event, context):
    raise Exception('Unauthorized')


def bad_return(event, context):
    return {"not": {"json", "serialisable"}}


def hang(event, context):
    time.sleep(3600)


def exit(event, context):
    sys.exit(3)


def log(event, context):
    logger.info("hello from %s", event["who"])
    print("printed")
    return "logged"


def echo_plain(event, context):
    return event


def spawn_detached(event, context):
    """Leaves a child in a session of its own, and a double-forked daemon
    whose parent exited at once (so it is an orphan from the start)."""
    import subprocess

    child = subprocess.Popen(["sleep", "600"], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r, w = os.pipe()
    first = os.fork()
    if first == 0:
        os.setsid()
        second = os.fork()
        if second == 0:
            os.close(r)
            os.write(w, str(os.getpid()).encode())
            os.close(w)
            os.execvp("sleep", ["sleep", "600"])
        os._exit(0)
    os.close(w)
    daemon = int(os.read(r, 32))
    os.close(r)
    os.waitpid(first, 0)
    print("detached", child.pid, flush=True)
    print("detached", daemon, flush=True)
    if event.get("then") == "hang":
        time.sleep(3600)
    if event.get("then") == "exit":
        os._exit(3)
    return {"pids": [child.pid, daemon]}
