// A TOKEN authorizer: "allow" and "deny" answer with a policy of that
// effect for every method of the stage, anything else is Unauthorized.
exports.handler = async (event) => {
  const token = event.authorizationToken;
  if (token !== "allow" && token !== "deny") {
    throw new Error("Unauthorized");
  }
  // arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/PATH -> API/STAGE/*/*
  const [arnPrefix, apiId, stage] = event.methodArn.match(/^(arn:aws:execute-api:[^:]+:[^:]+):([^/]+)\/([^/]+)\//).slice(1);
  return {
    principalId: "user-" + token,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: token === "allow" ? "Allow" : "Deny", Resource: `${arnPrefix}:${apiId}/${stage}/*/*` }],
    },
    context: { tier: "gold", quota: 7 },
  };
};
