// Leaves a child in a session of its own (detached, unref'd) and answers
// with its pid.
const { spawn } = require('node:child_process');

exports.handler = async () => {
  const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  child.unref();
  return { statusCode: 200, body: JSON.stringify({ pids: [child.pid] }) };
};
