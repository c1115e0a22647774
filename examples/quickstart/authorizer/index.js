// A TOKEN authorizer written the way many production authorizers are —
// including the classic mistake of scoping the policy to event.methodArn
// while API Gateway caches the result for every path (see the README).
//
//   Authorization: allow-<name>     Allow, Resource = this request's methodArn
//   Authorization: wildcard-<name>  Allow, Resource = every method of the stage
//   Authorization: deny-<name>      explicit Deny
//   Authorization: expired          callback("Unauthorized")  -> 401
//   anything else                   throws                    -> 500
exports.handler = async (event) => {
  const token = event.authorizationToken || "";
  const [kind, name] = token.split("-", 2);
  if (token === "expired") {
    throw new Error("Unauthorized");
  }
  if (!name) {
    throw new Error(`malformed token ${JSON.stringify(token)}`);
  }
  // arn:aws:execute-api:region:account:apiId/stage/VERB/path
  const [apiArn, stage] = event.methodArn.split("/");
  switch (kind) {
    case "allow":
      return policy(name, "Allow", event.methodArn);
    case "wildcard":
      return policy(name, "Allow", `${apiArn}/${stage}/*/*`);
    case "deny":
      return policy(name, "Deny", event.methodArn);
  }
  throw new Error(`unknown token kind ${kind}`);
};

function policy(principalId, effect, resource) {
  return {
    principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }],
    },
    context: { user: principalId, tier: "gold", quota: 100, admin: false },
  };
}
