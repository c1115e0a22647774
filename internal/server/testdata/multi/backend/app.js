// Answers with the instance that served the request and the principal the
// authorizer returned.
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({
    instance: process.env.INSTANCE,
    principalId: (event.requestContext.authorizer || {}).principalId || null,
  }),
});
