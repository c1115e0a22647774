const fs = require("fs");
const path = require("path");

// Every token gets the same answer in this app: Allow on the whole
// stage. Each invocation is recorded in COUNT_DIR/allowapp.
exports.handler = async (event) => {
  fs.appendFileSync(path.join(process.env.COUNT_DIR, "allowapp"), "x");
  const [apiArn, stage] = event.methodArn.split("/");
  return {
    principalId: "allowapp",
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: `${apiArn}/${stage}/*/*` }],
    },
  };
};
