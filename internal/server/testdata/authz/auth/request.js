const count = require("./count");

exports.handler = async (event) => {
  count("request");
  const tenant = event.headers["x-tenant"];
  const key = event.queryStringParameters.key;
  return {
    principalId: `${tenant}:${key}`,
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: "*" }] },
    context: { tenant },
  };
};
