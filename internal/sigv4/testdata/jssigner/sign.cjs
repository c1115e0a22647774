// Signs requests with the AWS SDK for JavaScript's SigV4 signer
// (@smithy/signature-v4), so that the Go verifier is checked against a
// client it did not write. Reads a JSON job on stdin, writes the signed
// requests as JSON on stdout.
"use strict";
const { SignatureV4 } = require("@smithy/signature-v4");
const { Sha256 } = require("@aws-crypto/sha256-js");

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const job = JSON.parse(input);
  const signer = new SignatureV4({
    service: job.service,
    region: job.region,
    sha256: Sha256,
    credentials: {
      accessKeyId: job.accessKeyId,
      secretAccessKey: job.secretAccessKey,
      sessionToken: job.sessionToken || undefined,
    },
  });
  const signingDate = new Date(job.date);
  const out = [];
  for (const r of job.requests) {
    const req = {
      method: r.method,
      protocol: "https:",
      hostname: job.host,
      path: r.path,
      query: r.query || {},
      headers: Object.assign({ host: job.host }, r.headers || {}),
      body: r.body || undefined,
    };
    const signed = r.presign
      ? await signer.presign(req, { signingDate, expiresIn: r.expiresIn || 300 })
      : await signer.sign(req, { signingDate });
    out.push({ method: signed.method, path: signed.path, query: signed.query, headers: signed.headers, body: r.body || "" });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + "\n");
  process.exit(1);
});
