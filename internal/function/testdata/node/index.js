// Handlers exercising the Node.js programming model, one export per case.
const { spawn } = require('node:child_process');

exports.echo = async (event, context) => ({
  echo: event,
  requestId: context.awsRequestId,
  functionName: context.functionName,
  memoryLimitInMB: context.memoryLimitInMB,
  hasTimeLeft: context.getRemainingTimeInMillis() > 0,
});

exports.callback = (event, context, callback) => {
  callback(null, { via: 'callback', echo: event });
};

// The result is serialised when the event loop is empty, so the timer's
// change is visible, as on Lambda.
exports.callbackWaits = (event, context, callback) => {
  const out = { late: false };
  callback(null, out);
  setTimeout(() => { out.late = true; }, 20);
};

exports.callbackNoWait = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  const out = { late: false };
  callback(null, out);
  setTimeout(() => { out.late = true; }, 20);
};

exports.succeed = (event, context) => {
  setTimeout(() => context.succeed({ via: 'succeed', echo: event }), 1);
};

exports.fail = (event, context) => { context.fail(new Error('failed via context')); };

exports.done = (event, context) => { context.done(null, { via: 'done' }); };

exports.syncReturn = (event) => ({ ignored: true });

exports.callbackUnauthorized = (event, context, callback) => { callback('Unauthorized'); };

exports.throwUnauthorized = async () => { throw new Error('Unauthorized'); };

exports.throwSync = () => { throw new TypeError('bad input'); };

exports.throwString = async () => { throw 'plain string'; };

exports.exit = async () => { process.exit(1); };

exports.hang = () => new Promise(() => { setTimeout(() => {}, 3600 * 1000); });

exports.circular = async () => { const o = {}; o.self = o; return o; };

exports.undefinedResult = async () => undefined;

exports.env = async (event) => {
  const out = {};
  for (const k of event.keys) out[k] = process.env[k] === undefined ? null : process.env[k];
  return out;
};

// Spawns a grandchild and never answers: the timeout kill must take both.
exports.spawnAndHang = async () => {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  console.log('grandchild', child.pid);
  return new Promise(() => {});
};

exports.log = async (event) => {
  console.log('hello from', event.who);
  return 'logged';
};

exports.nested = { deeper: { handler: async () => 'nested' } };

let counter = 0;
exports.counter = async () => ++counter;

exports.maybeHang = async (event) => {
  if (event.hang) await new Promise(() => { setTimeout(() => {}, 3600 * 1000); });
  return 'answered';
};

exports.exitIf = async (event) => {
  if (event.exit) process.exit(1);
  return 'answered';
};

exports.sleep = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  return event.n;
};

exports.uncaught = (event, context, callback) => {
  setTimeout(() => { throw new Error('thrown from a timer'); }, 1);
};

exports.echoPlain = async (event) => event;

// A TOKEN authorizer: Allow for tokens "allow-*", Deny for the rest.
exports.tokenAuthorizer = async (event) => ({
  principalId: event.authorizationToken,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{
      Action: 'execute-api:Invoke',
      Effect: event.authorizationToken.startsWith('allow-') ? 'Allow' : 'Deny',
      Resource: event.methodArn,
    }],
  },
});

// Leaves a detached child (a session of its own, unref'd) behind, then
// answers, hangs or exits as the event asks.
exports.spawnDetached = async (event) => {
  const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  child.unref();
  console.log('detached', child.pid);
  if (event.then === 'hang') return new Promise(() => { setTimeout(() => {}, 3600 * 1000); });
  if (event.then === 'exit') process.exit(3);
  return { pids: [child.pid] };
};
