// A Lambda proxy function for the integration tests. The request path picks
// the behaviour; /echo answers with the proxy response given as the request
// body, so each test states the exact payload API Gateway would receive.
exports.handler = async (event) => {
  switch (event.path) {
    case '/echo':
      return JSON.parse(event.body);
    case '/throw':
      throw new Error('boom');
    case '/exit':
      process.exit(3);
    case '/sleep':
      await new Promise((resolve) => setTimeout(resolve, Number(event.queryStringParameters.ms)));
      return { statusCode: 200, body: 'slept' };
    case '/big':
      // A body just over Lambda's 6291556-byte response quota.
      return { statusCode: 200, body: 'x'.repeat(6291556) };
    default:
      return { statusCode: 404, body: 'no such test path ' + event.path };
  }
};
