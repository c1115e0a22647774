const fs = require("fs");
const path = require("path");

// Every token gets the same answer in this app: Deny on the whole
// stage. Each invocation is recorded in COUNT_DIR/denyapp.
exports.handler = async (event) => {
  fs.appendFileSync(path.join(process.env.COUNT_DIR, "denyapp"), "x");
  const [apiArn, stage] = event.methodArn.split("/");
  return {
    principalId: "denyapp",
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Deny", Resource: `${apiArn}/${stage}/*/*` }],
    },
  };
};
