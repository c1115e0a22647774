exports.lambdaHandler = async (event) => ({ from: 'src/app', echo: event });
