exports.handler = async () => ({ statusCode: 200, body: JSON.stringify({ app: "allowapp" }) });
