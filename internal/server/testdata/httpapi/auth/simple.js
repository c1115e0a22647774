// An HTTP API Lambda authorizer, payload 2.0, simple responses.
const fs = require("fs");
const path = require("path");
exports.handler = async (event) => {
  fs.appendFileSync(path.join(process.env.COUNT_DIR, "simple"), "x");
  const token = (event.identitySource || [])[0] || "";
  if (!token.startsWith("allow-")) {
    return { isAuthorized: false };
  }
  return { isAuthorized: true, context: { user: token.slice(6), tier: 2, admin: false, routeArn: event.routeArn } };
};
