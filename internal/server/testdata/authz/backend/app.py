import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({
            "path": event["path"],
            "authorizer": event["requestContext"].get("authorizer"),
        }),
    }
