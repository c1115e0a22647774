import os


def handler(event, context):
    with open(os.path.join(os.environ["COUNT_DIR"], "pytoken"), "a") as f:
        f.write("x")
    token = event["authorizationToken"]
    if token == "expired":
        raise Exception("Unauthorized")
    if token == "boom":
        raise ValueError("boom")
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {
        "principalId": token,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"].split("/")[0] + "/*"}],
        },
    }
