// Echoes the 2.0 event it received, sets two cookies and a CORS header of
// its own (which the gateway must replace when CORS is configured).
exports.handler = async (event) => {
  if (event.rawPath.endsWith('/sleep')) await new Promise((r) => setTimeout(r, 3000));
  if (event.rawPath.endsWith('/bare')) return { hello: 'world', n: 1 };
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'access-control-allow-origin': 'https://backend.example', 'x-route': event.routeKey },
    cookies: ['session=abc; Path=/', 'theme=dark'],
    body: JSON.stringify(event),
  };
};
