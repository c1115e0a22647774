// allow-X: Allow on every method of the stage, principal X; deny-X:
// explicit Deny. The soak driver checks every answer against this rule.
exports.handler = async (event) => {
  const [apiArn, stage] = event.methodArn.split("/");
  const token = event.authorizationToken || "";
  const dash = token.indexOf("-");
  const kind = token.slice(0, dash);
  return {
    principalId: token.slice(dash + 1),
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: kind === "allow" ? "Allow" : "Deny", Resource: `${apiArn}/${stage}/*/*` }],
    },
  };
};
