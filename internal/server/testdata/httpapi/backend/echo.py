import json


def handler(event, context):
    # The whole event, so the test decodes it as aws-lambda-go would; the
    # backend's own CORS header must be replaced by the API's. Only payload
    # 2.0 responses may carry cookies (REST and 1.0 refuse the field).
    resp = {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "access-control-allow-origin": "https://backend.example.com"},
        "body": json.dumps(event),
    }
    if event.get("version") == "2.0":
        resp["cookies"] = ["seen=1; Path=/"]
    return resp
