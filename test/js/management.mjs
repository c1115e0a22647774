// Drives Portcullis's admin listener with the real AWS SDK for JavaScript v3
// clients, as a user would with --endpoint-url, and prints one JSON object
// with every call's outcome for the Go end-to-end test to assert.
//
//   node management.mjs http://127.0.0.1:PORT
//
// Each call is reported as {"ok": true, "out": <output without $metadata>}
// or {"ok": false, "name": <exception class>, "status": <HTTP status>,
// "message": <message>}: what the SDK decoded is what is checked.
import {
  APIGatewayClient,
  GetRestApisCommand,
  GetRestApiCommand,
  GetResourcesCommand,
  GetAuthorizersCommand,
  GetStagesCommand,
  GetGatewayResponsesCommand,
  FlushStageAuthorizersCacheCommand,
  TestInvokeAuthorizerCommand,
  TestInvokeMethodCommand,
} from "@aws-sdk/client-api-gateway";
import { LambdaClient, InvokeCommand, ListFunctionsCommand } from "@aws-sdk/client-lambda";

const endpoint = process.argv[2];
if (!endpoint) {
  console.error("usage: node management.mjs http://127.0.0.1:PORT");
  process.exit(2);
}
const config = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  maxAttempts: 1,
};
const apigw = new APIGatewayClient(config);
const lambda = new LambdaClient(config);

async function call(client, command) {
  try {
    const out = await client.send(command);
    delete out.$metadata;
    if (out.Payload instanceof Uint8Array) {
      out.Payload = new TextDecoder().decode(out.Payload);
    }
    return { ok: true, out };
  } catch (err) {
    return { ok: false, name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
}

const results = {};
results.getRestApis = await call(apigw, new GetRestApisCommand({}));
const api = results.getRestApis.out?.items?.[0];
if (!api) {
  console.log(JSON.stringify(results));
  process.exit(0);
}
const restApiId = api.id;
results.getRestApiMissing = await call(apigw, new GetRestApiCommand({ restApiId: "nosuchapi0" }));
results.getResources = await call(apigw, new GetResourcesCommand({ restApiId, embed: ["methods"] }));
results.getResourcesPage = await call(apigw, new GetResourcesCommand({ restApiId, limit: 1 }));
results.getAuthorizers = await call(apigw, new GetAuthorizersCommand({ restApiId }));
results.getStages = await call(apigw, new GetStagesCommand({ restApiId }));
results.getGatewayResponses = await call(apigw, new GetGatewayResponsesCommand({ restApiId }));
results.flush = await call(apigw, new FlushStageAuthorizersCacheCommand({ restApiId, stageName: "prod" }));
results.flushMissingStage = await call(apigw, new FlushStageAuthorizersCacheCommand({ restApiId, stageName: "nope" }));

const authorizerId = results.getAuthorizers.out?.items?.[0]?.id;
for (const token of ["allow", "deny", "garbage"]) {
  results["testInvokeAuthorizer_" + token] = await call(
    apigw,
    new TestInvokeAuthorizerCommand({ restApiId, authorizerId, headers: { Authorization: token }, pathWithQueryString: "/items/42" }),
  );
}

const item = results.getResources.out?.items?.find((r) => r.path === "/items/{id}");
results.testInvokeMethod = await call(
  apigw,
  new TestInvokeMethodCommand({
    restApiId,
    resourceId: item?.id,
    httpMethod: "GET",
    pathWithQueryString: "/items/42?color=red",
    headers: { Accept: "application/json" },
    stageVariables: { greeting: "hi" },
  }),
);

results.invoke = await call(
  lambda,
  new InvokeCommand({ FunctionName: "EchoFunction", Payload: new TextEncoder().encode(JSON.stringify({ hello: "world" })) }),
);
results.invokeFail = await call(
  lambda,
  new InvokeCommand({ FunctionName: "EchoFunction", Payload: new TextEncoder().encode(JSON.stringify({ fail: true })) }),
);
results.invokeMissing = await call(lambda, new InvokeCommand({ FunctionName: "NoSuchFunction" }));
results.listFunctions = await call(lambda, new ListFunctionsCommand({}));

console.log(JSON.stringify(results));
