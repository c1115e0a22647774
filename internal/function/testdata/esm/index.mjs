export const handler = async (event, context) => ({ esm: true, echo: event, requestId: context.awsRequestId });
