import json


def handler(event, context):
    # Payload format 2.0: routeKey, rawPath, requestContext.http and the
    # authorizer's context with its JSON types.
    auth = event.get("requestContext", {}).get("authorizer", {}).get("lambda")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "access-control-allow-origin": "https://ignored.example.com"},
        "cookies": ["seen=1; Path=/"],
        "body": json.dumps({
            "version": event.get("version"),
            "routeKey": event.get("routeKey"),
            "rawPath": event.get("rawPath"),
            "method": event["requestContext"]["http"]["method"],
            "pathParameters": event.get("pathParameters"),
            "authorizer": auth,
        }),
    }
