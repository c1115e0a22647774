# A payload 1.0 authorizer answering IAM policies for its own methodArn,
# the pattern that trips over the cache on AWS. Every invocation appends a
# line to $CALLS.
import os


def handler(event, context):
    with open(os.environ["CALLS"], "a") as f:
        f.write(event["identitySource"] + " " + event["methodArn"] + "\n")
    effect = "Allow" if event["identitySource"].startswith("allow") else "Deny"
    return {
        "principalId": "bob",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"user": "bob", "n": 3},
    }
