// Answers an API Gateway proxy event with what it received, and a direct
// invocation with its payload; {"fail": true} throws.
exports.handler = async (event) => {
  if (event && event.fail) {
    throw new Error("asked to fail");
  }
  if (!event || !event.requestContext) {
    return { echoed: event };
  }
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json", "X-Echo": "1" },
    body: JSON.stringify({
      id: event.pathParameters && event.pathParameters.id,
      stage: event.requestContext.stage,
      sourceIp: event.requestContext.identity.sourceIp,
      query: event.queryStringParameters,
      greeting: event.stageVariables && event.stageVariables.greeting,
      authorizer: event.requestContext.authorizer || null,
    }),
  };
};
