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
