# A payload 2.0 authorizer answering an IAM policy for the whole stage
# (a wildcard resource built from routeArn). Every invocation appends a
# line to $CALLS.
import os


def handler(event, context):
    token = event["identitySource"][0]
    with open(os.environ["CALLS"], "a") as f:
        f.write(token + " " + event["routeArn"] + "\n")
    arn, stage = event["routeArn"].split("/")[:2]
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {
        "principalId": "carol",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn + "/" + stage + "/*"}],
        },
        "context": {"user": "carol", "level": 2},
    }
