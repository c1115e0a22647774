// Allows every method of the stage (a wildcard resource), so that one cached
// decision serves every request of the benchmark.
exports.handler = async (event) => {
  const [apiArn, stage] = event.methodArn.split("/");
  return {
    principalId: "bench",
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: `${apiArn}/${stage}/*/*` }],
    },
    context: { tier: "bench" },
  };
};
