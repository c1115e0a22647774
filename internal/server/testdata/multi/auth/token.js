const fs = require("fs");
const path = require("path");

// Appends this instance's name to COUNT_DIR/token on every invocation, so
// a test can count the invocations of every instance and tell who made them.
//
// allow-X: Allow on every method of the stage (so a cached result serves
// any path); deny-X: explicit Deny.
exports.handler = async (event) => {
  fs.appendFileSync(path.join(process.env.COUNT_DIR, "token"), process.env.INSTANCE);
  const [apiArn, stage] = event.methodArn.split("/");
  const [kind, name] = event.authorizationToken.split("-", 2);
  return {
    principalId: name,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: kind === "allow" ? "Allow" : "Deny", Resource: `${apiArn}/${stage}/*/*` }],
    },
  };
};
