// A Lambda authorizer for HTTP APIs, payload format 2.0 with simple
// responses: {isAuthorized, context}. "allow-<name>" is let in.
exports.handler = async (event) => {
  const token = (event.identitySource || [])[0] || "";
  if (!token.startsWith("allow-")) {
    return { isAuthorized: false };
  }
  return { isAuthorized: true, context: { user: token.slice(6), tier: 2, admin: false } };
};
