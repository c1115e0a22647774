// A payload 2.0 authorizer with simple responses. Every invocation appends
// a line to $CALLS, so a test can count them.
const fs = require('fs');
exports.handler = async (event) => {
  const token = event.identitySource[0];
  fs.appendFileSync(process.env.CALLS, token + ' ' + event.routeKey + '\n');
  if (token.startsWith('allow')) {
    return { isAuthorized: true, context: { user: 'alice', quota: 7, admin: false, tags: ['a', 'b'], rawPath: event.rawPath } };
  }
  if (token === 'throw') throw new Error('boom');
  return { isAuthorized: false };
};
