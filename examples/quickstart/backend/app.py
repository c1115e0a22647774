"""The quickstart backend: a Lambda proxy integration handler."""
import json
import os


def handler(event, context):
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    body = {
        "service": os.environ.get("SERVICE_NAME"),
        "path": event["path"],
        "resource": event["resource"],
        "pathParameters": event["pathParameters"],
        "principalId": authorizer.get("principalId"),
        "user": authorizer.get("user"),
        "tier": authorizer.get("tier"),
        "greeting": (event.get("stageVariables") or {}).get("greeting"),
        "requestId": context.aws_request_id,
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Served-By": context.function_name},
        "body": json.dumps(body),
    }
