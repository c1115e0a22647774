// The AWS_PROXY counterpart of the benchmark's HTTP backend: a fixed body.
exports.handler = async () => ({ statusCode: 200, headers: { "Content-Type": "text/plain" }, body: "ok\n" });
