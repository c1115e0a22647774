'use strict';
// Portcullis Node.js runtime bootstrap.
//
// Speaks the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API and runs the
// handler named by _HANDLER from LAMBDA_TASK_ROOT, one event at a time, the
// way the managed nodejs runtimes do: CommonJS and ES modules, async and
// callback handlers, context.succeed/fail/done, callbackWaitsForEmptyEventLoop,
// and error documents {errorType, errorMessage, trace}. Only Node's standard
// library is used. One keep-alive connection carries every call.

const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { pathToFileURL } = require('node:url');

const env = process.env;
const api = env.AWS_LAMBDA_RUNTIME_API || '';
const sep = api.lastIndexOf(':');
const host = api.slice(0, sep);
const port = Number(api.slice(sep + 1));
const BASE = '/2018-06-01/runtime';

let currentId = '';

// A minimal HTTP/1.1 client over one keep-alive socket. The server is
// Portcullis's own Runtime API, which answers every request with a
// Content-Length body; node:http costs several times more per call. The
// socket is unref'd between calls so an idle event loop still drains
// (callbackWaitsForEmptyEventLoop depends on it).
let sock = null;
let inbuf = null;
let pending = null; // {resolve, reject}

function connect() {
  sock = net.connect({ host, port, noDelay: true });
  sock.on('data', (chunk) => {
    inbuf = inbuf ? Buffer.concat([inbuf, chunk]) : chunk;
    parse();
  });
  const fail = (err) => {
    sock = null;
    inbuf = null;
    const p = pending;
    pending = null;
    if (p) p.reject(err || new Error('runtime API connection closed'));
  };
  sock.on('error', fail);
  sock.on('close', () => fail());
}

function parse() {
  if (!pending || !inbuf) return;
  const end = inbuf.indexOf('\r\n\r\n');
  if (end < 0) return;
  const lines = inbuf.toString('latin1', 0, end).split('\r\n');
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].indexOf(':');
    if (c > 0) headers[lines[i].slice(0, c).toLowerCase()] = lines[i].slice(c + 1).trim();
  }
  const len = Number(headers['content-length'] || 0);
  const start = end + 4;
  if (inbuf.length < start + len) return;
  const body = inbuf.subarray(start, start + len);
  inbuf = inbuf.length > start + len ? inbuf.subarray(start + len) : null;
  const p = pending;
  pending = null;
  sock.unref();
  p.resolve({ status: Number(lines[0].slice(9, 12)), headers, body });
}

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    if (!sock) connect();
    sock.ref();
    pending = { resolve, reject };
    let head = `${method} ${p} HTTP/1.1\r\nHost: ${api}\r\n`;
    // Header values come from user errors (errorType): keep them to
    // printable ASCII so they cannot break the request.
    if (headers) for (const k in headers) head += `${k}: ${String(headers[k]).replace(/[^\x20-\x7e]/g, '')}\r\n`;
    if (body === undefined) {
      sock.write(head + '\r\n', 'latin1');
    } else {
      const b = Buffer.from(body, 'utf8');
      sock.write(Buffer.concat([Buffer.from(head + `Content-Length: ${b.length}\r\n\r\n`, 'latin1'), b]));
    }
  });
}

function post(p, body, errorType) {
  const headers = { 'Content-Type': 'application/json' };
  if (errorType) headers['Lambda-Runtime-Function-Error-Type'] = errorType;
  return call('POST', p, body, headers);
}

// Error documents exactly as the managed runtime builds them.
function isError(e) {
  return util.types.isNativeError(e) ||
    (e !== null && typeof e === 'object' && typeof e.name === 'string' &&
      typeof e.message === 'string' && typeof e.stack === 'string');
}

function toRapidResponse(error) {
  try {
    if (isError(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: String(error.stack).split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function namedError(name, message, cause) {
  const e = new Error(message);
  e.name = name;
  if (cause && cause.stack) e.stack = `${name}: ${message}\n${String(cause.stack).split('\n').slice(1).join('\n')}`;
  return e;
}

// Console lines carry the timestamp, request id and level as on Lambda.
function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [name, level] of Object.entries(levels)) {
    console[name] = (...args) => {
      process.stdout.write(`${new Date().toISOString()}\t${currentId || 'undefined'}\t${level}\t${util.format(...args)}\n`);
    };
  }
}

// ---- handler loading (mirrors the managed runtime's UserFunction.js) ----

function hasPackageJsonTypeModule(file) {
  let dir = path.dirname(file);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
      } catch (_) {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

function tryRequire(file) {
  return fs.existsSync(file) && fs.statSync(file).isFile() ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? import(pathToFileURL(file).href) : undefined;
}

async function loadModule(root, moduleRoot, mod) {
  const base = path.resolve(root, moduleRoot, mod);
  const extensionless = tryRequire(base);
  if (extensionless) return extensionless;
  const esm = hasPackageJsonTypeModule(base);
  if (!esm) {
    const cjs = tryRequire(base + '.js');
    if (cjs) return cjs;
  }
  const loaded = (esm && (await tryImport(base + '.js'))) ||
    (await tryImport(base + '.mjs')) ||
    tryRequire(base + '.cjs');
  if (loaded) return loaded;
  // Fall back to node_modules resolution, as Lambda does.
  return require(require.resolve(mod, { paths: [root, path.resolve(root, moduleRoot)] }));
}

async function loadHandler(root, full) {
  if (!full || full.includes('..')) {
    throw namedError('Runtime.MalformedHandlerName', "'" + full + "' is not a valid handler name. Use absolute paths when specifying root directories in handler names.");
  }
  const slash = full.lastIndexOf('/');
  const moduleRoot = full.slice(0, slash + 1);
  const rest = full.slice(slash + 1);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) throw namedError('Runtime.MalformedHandlerName', 'Bad handler');
  const mod = rest.slice(0, dot);
  const handlerPath = rest.slice(dot + 1);

  let app;
  try {
    app = await loadModule(root, moduleRoot, mod);
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw namedError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`, e);
    }
    if (e && e.code === 'MODULE_NOT_FOUND') {
      throw namedError('Runtime.ImportModuleError', `Error: Cannot find module '${mod}'\nRequire stack:\n- ${__filename}`, e);
    }
    if (e && e.code === 'ERR_REQUIRE_ESM') {
      throw namedError('Runtime.ImportModuleError', `${e.name}: ${e.message}`, e);
    }
    throw e;
  }
  const fn = handlerPath.split('.').reduce((o, k) => (o == null ? undefined : o[k]), app);
  if (fn === undefined) throw namedError('Runtime.HandlerNotFound', `${full} is undefined or not exported`);
  if (typeof fn !== 'function') throw namedError('Runtime.HandlerNotFound', `${full} is not a function`);
  return fn;
}

// ---- the invoke loop ----

// onEmptyLoop runs when the event loop drains (beforeExit): it delivers a
// callback result under callbackWaitsForEmptyEventLoop, or null for a
// synchronous handler that never called back, as the managed runtime does.
let onEmptyLoop = null;
process.on('beforeExit', () => {
  const f = onEmptyLoop;
  onEmptyLoop = null;
  if (f) f();
});

function invoke(handler, next) {
  return new Promise((resolve) => {
    const h = next.headers;
    const id = h['lambda-runtime-aws-request-id'];
    const deadline = Number(h['lambda-runtime-deadline-ms']);
    currentId = id;
    let settled = false;
    const fail = (err) => {
      const doc = toRapidResponse(err);
      process.stdout.write(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${JSON.stringify(doc)}\n`);
      post(`${BASE}/invocation/${id}/error`, JSON.stringify(doc), doc.errorType).then(resolve, fatal);
    };
    const finish = (err, result) => {
      onEmptyLoop = null;
      if (err !== undefined && err !== null) return fail(err);
      let body;
      try {
        body = JSON.stringify(result === undefined ? null : result);
      } catch (_) {
        return fail(new Error('Unable to stringify response body'));
      }
      if (body === undefined) body = 'null'; // functions and symbols stringify to undefined
      post(`${BASE}/invocation/${id}/response`, body).then(resolve, fatal);
    };
    const settle = (err, result) => {
      if (settled) {
        console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
        return false;
      }
      settled = true;
      finish(err, result);
      return true;
    };
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: id,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      identity: undefined,
      clientContext: undefined,
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
      succeed: (result) => settle(null, result),
      fail: (err) => settle(err === undefined || err === null ? 'handled' : err),
      done: (err, result) => settle(err, result),
    };
    const callback = (err, result) => {
      if (settled) return;
      if (context.callbackWaitsForEmptyEventLoop) {
        settled = true;
        onEmptyLoop = () => finish(err, result);
      } else {
        settle(err, result);
      }
    };
    if (h['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];

    let event;
    try {
      event = JSON.parse(next.body.toString('utf8'));
    } catch (e) {
      settled = true;
      return fail(namedError('Runtime.UnmarshalError', `Unable to parse event: ${e.message}`, e));
    }
    // A handler that neither returns a promise nor calls back answers null
    // once the event loop is empty.
    onEmptyLoop = () => settle(null, null);
    try {
      const result = handler(event, context, callback);
      if (result && typeof result.then === 'function') {
        result.then((r) => settle(null, r), (e) => settle(e === undefined || e === null ? namedError('Runtime.UnhandledPromiseRejection', String(e)) : e));
      }
    } catch (e) {
      settle(e);
    }
  });
}

function fatal(err) {
  process.stderr.write(`runtime API call failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler(env.LAMBDA_TASK_ROOT || process.cwd(), env._HANDLER);
  } catch (e) {
    const doc = toRapidResponse(e);
    process.stdout.write(`${new Date().toISOString()}\tundefined\tERROR\t${JSON.stringify(doc)}\n`);
    try {
      await post(`${BASE}/init/error`, JSON.stringify(doc), doc.errorType);
    } finally {
      process.exit(129);
    }
  }
  process.on('uncaughtException', (e) => {
    const doc = toRapidResponse(e);
    process.stdout.write(`${new Date().toISOString()}\t${currentId}\tERROR\tUncaught Exception \t${JSON.stringify(doc)}\n`);
    const done = () => process.exit(129);
    if (currentId) post(`${BASE}/invocation/${currentId}/error`, JSON.stringify(doc), doc.errorType).then(done, done);
    else done();
  });
  process.on('unhandledRejection', (reason) => {
    const msg = isError(reason) ? `${reason.name}: ${reason.message}` : String(reason);
    const e = namedError('Runtime.UnhandledPromiseRejection', msg, reason);
    const doc = toRapidResponse(e);
    process.stdout.write(`${new Date().toISOString()}\t${currentId}\tERROR\tUnhandled Promise Rejection \t${JSON.stringify(doc)}\n`);
    const done = () => process.exit(128);
    if (currentId) post(`${BASE}/invocation/${currentId}/error`, JSON.stringify(doc), doc.errorType).then(done, done);
    else done();
  });
  for (;;) {
    const next = await call('GET', `${BASE}/invocation/next`);
    if (next.status !== 200) fatal(new Error(`GET /next answered ${next.status}`));
    await invoke(handler, next);
    currentId = '';
  }
}

main().catch(fatal);
