const count = require("./count");

// allow-X: Allow on event.methodArn only (the caching pitfall)
// wildcard-X: Allow on every method of the stage
// deny-X: explicit Deny; expired: callback("Unauthorized"); boom: other error
exports.handler = (event, context, callback) => {
  count("token");
  const token = event.authorizationToken;
  const [apiArn, stage] = event.methodArn.split("/");
  const [kind, name] = token.split("-", 2);
  const policy = (effect, resource) => ({
    principalId: name,
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }] },
    context: { name, n: 7, admin: true },
  });
  if (token === "expired") return callback("Unauthorized");
  if (kind === "allow") return callback(null, policy("Allow", event.methodArn));
  if (kind === "wildcard") return callback(null, policy("Allow", `${apiArn}/${stage}/*/*`));
  if (kind === "deny") return callback(null, policy("Deny", event.methodArn));
  if (kind === "garbage") return callback(null, { principalId: "x", policyDocument: null, extra: 1 });
  callback(new Error("boom"));
};
