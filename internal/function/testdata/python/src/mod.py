def lambda_handler(event, context):
    return {"from": "src/mod", "echo": event}
